// PAGCP task budgets of the sensitivity-guided control, from what the user typed: one per output of
// the last sensitivity run, in that output's measure (core/score/task-drop.ts), empty = no budget.
import type { SensitivityResult } from '../../workers/protocol';
import type { StudioState } from '../store/types';

type BudgetState = Pick<StudioState, 'taskBudgets' | 'sensitivityResult'>;

type Outputs = NonNullable<SensitivityResult['outputs']>;
// One empty list: zustand selectors must return the same object for the same state.
const NONE: Outputs = [];

/** The outputs that can take a budget: the last sensitivity run's, when it measured several. */
export function budgetOutputs(s: Pick<StudioState, 'sensitivityResult'>): Outputs {
  const outputs = s.sensitivityResult?.outputs;
  return outputs && outputs.length > 1 ? outputs : NONE;
}

/** A typed budget: undefined when empty, NaN when not a positive number. */
export function parseBudget(text: string | undefined): number | undefined {
  const t = text?.trim() ?? '';
  if (t === '') return undefined;
  const v = Number(t);
  return v > 0 && Number.isFinite(v) ? v : NaN;
}

/** Outputs whose typed budget is not a positive number (Apply waits for them to be fixed). */
export function invalidBudgets(s: BudgetState): string[] {
  return budgetOutputs(s).filter((o) => Number.isNaN(parseBudget(s.taskBudgets[o.name]))).map((o) => o.name);
}

/** Output name → budget for the worker; undefined when no budget is set. */
export function budgetsToSend(s: BudgetState): Record<string, number> | undefined {
  const entries = budgetOutputs(s).flatMap((o) => {
    const v = parseBudget(s.taskBudgets[o.name]);
    return v !== undefined && !Number.isNaN(v) ? [[o.name, v] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** What a budget of `measure` is counted in, for the input's label. */
export function budgetUnit(measure: string): string {
  if (measure === 'accuracy' || measure === 'agreement' || measure === 'pixel agreement') return `${measure} drop (0.01 = 1 point)`;
  if (measure === 'kl') return 'KL divergence rise';
  return measure; // dense: 1 − R²
}

/** A drop or budget as the read-out shows it: up to 4 decimals, tiny values in exponent form. */
export function formatDrop(v: number): string {
  if (v === 0 || Math.abs(v) >= 0.0001) return String(Number(v.toFixed(4)));
  return v.toExponential(1);
}
