// Plan slice: a pruning ratio per dependency group id, with locks, round_to and an undo/redo
// history of ratio maps. Every change makes a new `ratios` object (never mutated), so history
// entries are just the previous objects. Persisted per model hash by plan-storage.ts.
// The model's dependency groups (from the studio worker) live here too: ratios and locks are keyed by their ids.
import type { StateCreator } from 'zustand';
import type { GlobalMode, GlobalPlanResult, GroupSummary, RecoveryMethod, TrainingRequest } from '../../workers/protocol';
import type { StudioState } from './types';

export type Ratios = Record<string, number>;

export type { GlobalMode };
/** The Global control's modes: the worker's allocations, or learning the plan with gates (gates-slice.ts). */
export type AllocationMode = GlobalMode | 'gates';

/** History depth: enough for a session of slider play, bounded so memory stays flat. */
export const HISTORY_LIMIT = 200;
/** Slider moves on the same group closer together than this are one undo step. */
export const COALESCE_MS = 800;

/**
 * The worker's per-task read-out of the last sensitivity apply with task budgets, with the ratios
 * object that apply installed: panels show it only while that object is the plan (a slider move or
 * another apply makes it stale; undo back to it shows it again).
 */
export interface BudgetOutcome extends Omit<GlobalPlanResult, 'ratios'> {
  plan: Ratios;
  /** The fraction of MACs the apply asked to remove. */
  target: number;
}

export interface PlanSlice {
  /** Group id → fraction of channels to remove (0..1). */
  ratios: Ratios;
  /** Groups the global control must not change. */
  locked: Record<string, true>;
  /** Kept channel counts are rounded to a multiple of this (1 = no rounding). */
  roundTo: number;
  globalMode: AllocationMode;
  /** uniform/global: the ratio; sensitivity: the fraction of MACs to remove. */
  globalTarget: number;
  /** Recovery applied to the pruned model by both Validate and Export (not part of undo history). */
  recovery: RecoveryMethod;
  /** Epochs and learning rate of the distill recovery. */
  training: TrainingRequest;
  /** Sensitivity mode, several outputs: output name → its task budget as typed ('' = no budget); per model. */
  taskBudgets: Record<string, string>;
  budgetOutcome?: BudgetOutcome;
  /** Undo stack (oldest first) and redo stack (next redo last). */
  past: Ratios[];
  future: Ratios[];
  /** Last single-group edit, to merge a slider drag into one undo step. */
  lastEdit?: { groupId: string; at: number };

  /** The model's dependency groups (prunable or not), from the worker; undefined until analysed. */
  groups?: GroupSummary[];
  groupsError?: string;
  selectedGroupId?: string;

  setRatio(groupId: string, ratio: number, now?: number): void;
  /** Replaces several ratios in one undoable step (global control, import). */
  applyRatios(ratios: Ratios): void;
  /** Replaces the whole plan and forgets history (restore from storage, new model). */
  replacePlan(ratios: Ratios): void;
  clearPlan(): void;
  undo(): void;
  redo(): void;
  toggleLock(groupId: string): void;
  setRoundTo(roundTo: number): void;
  setGlobal(mode: AllocationMode, target: number): void;
  setTaskBudget(output: string, text: string): void;
  setBudgetOutcome(outcome: BudgetOutcome | undefined): void;
  setRecovery(recovery: RecoveryMethod): void;
  setTraining(training: Partial<TrainingRequest>): void;
  setGroups(groups: GroupSummary[] | undefined, error?: string): void;
  /** Selects a group (the graph highlights its members) and centres the graph on it. */
  selectGroup(groupId: string | undefined): void;
}

const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

function pushPast(past: Ratios[], entry: Ratios): Ratios[] {
  const next = [...past, entry];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

/** Same keys with the same values (undo steps that change nothing are not recorded). */
export function sameRatios(a: Ratios, b: Ratios): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export const createPlanSlice: StateCreator<StudioState, [], [], PlanSlice> = (set) => ({
  ratios: {},
  locked: {},
  roundTo: 1,
  globalMode: 'uniform',
  globalTarget: 0.5,
  recovery: 'none',
  // The CLI's defaults (core/train/distill.ts) but fewer epochs: the page trains on the bundled 512 images on WASM.
  training: { epochs: 5, lr: 1e-3, leastSquaresFirst: true },
  taskBudgets: {},
  past: [],
  future: [],

  setRatio: (groupId, ratio, now = Date.now()) =>
    set((s) => {
      const value = clamp01(ratio);
      if (s.ratios[groupId] === value) return {};
      const ratios = { ...s.ratios, [groupId]: value };
      const coalesce = s.lastEdit?.groupId === groupId && now - s.lastEdit.at < COALESCE_MS && s.past.length > 0;
      return { ratios, past: coalesce ? s.past : pushPast(s.past, s.ratios), future: [], lastEdit: { groupId, at: now } };
    }),
  applyRatios: (incoming) =>
    set((s) => {
      const ratios = Object.fromEntries(Object.entries(incoming).map(([k, v]) => [k, clamp01(v)]));
      if (sameRatios(ratios, s.ratios)) return {};
      return { ratios, past: pushPast(s.past, s.ratios), future: [], lastEdit: undefined };
    }),
  replacePlan: (ratios) => set({ ratios: { ...ratios }, past: [], future: [], lastEdit: undefined }),
  clearPlan: () => set((s) => (Object.keys(s.ratios).length ? { ratios: {}, past: pushPast(s.past, s.ratios), future: [], lastEdit: undefined } : {})),
  undo: () =>
    set((s) => {
      const previous = s.past[s.past.length - 1];
      if (!previous) return {};
      return { ratios: previous, past: s.past.slice(0, -1), future: [...s.future, s.ratios], lastEdit: undefined };
    }),
  redo: () =>
    set((s) => {
      const next = s.future[s.future.length - 1];
      if (!next) return {};
      return { ratios: next, future: s.future.slice(0, -1), past: pushPast(s.past, s.ratios), lastEdit: undefined };
    }),
  toggleLock: (groupId) =>
    set((s) => {
      const locked = { ...s.locked };
      if (locked[groupId]) delete locked[groupId];
      else locked[groupId] = true;
      return { locked };
    }),
  setRoundTo: (roundTo) => set({ roundTo: Math.max(1, Math.floor(roundTo) || 1) }),
  setGlobal: (globalMode, globalTarget) => set({ globalMode, globalTarget: clamp01(globalTarget) }),
  setTaskBudget: (output, text) => set((s) => ({ taskBudgets: { ...s.taskBudgets, [output]: text } })),
  setBudgetOutcome: (budgetOutcome) => set({ budgetOutcome }),
  setRecovery: (recovery) => set({ recovery }),
  setTraining: (training) => set((s) => ({ training: { ...s.training, ...training } })),
  setGroups: (groups, groupsError) => set({ groups, groupsError, selectedGroupId: undefined, locked: {} }),
  // Centres the graph on the group without selecting a node: node selection switches the side
  // panel to the Node tab, which would hide the heatmap the user just clicked in.
  selectGroup: (groupId) =>
    set((s) => {
      const group = s.groups?.find((g) => g.id === groupId);
      const first = group?.members[0];
      return {
        selectedGroupId: group?.id,
        ...(first ? { centerRequest: { id: first, nonce: (s.centerRequest?.nonce ?? 0) + 1 } } : {}),
      };
    }),
});

