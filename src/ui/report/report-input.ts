// What the HTML report says, gathered from the store: the model, the plan, its cost, the
// architecture chart's layers, and the validation and sensitivity results when they exist. Pure
// (a StudioState in, plain data out), so the report can be tested without a page.
import type { GroupSummary } from '../../workers/protocol';
import { architectureData, type ArchitectureData } from '../charts/architecture-data';
import type { CurveSeries } from '../charts/sensitivity-svg';
import type { SweepResult } from '../charts/tradeoffs-data';
import { formatShape } from '../format';
import { RECOVERY_NAMES } from '../panels/recovery-choice';
import type { StudioState } from '../store/store';
import type { ModelCard } from '../store/model-slice';
import { headlineTask } from '../validation-measures';
import type { ReportOutputCurves, ReportOutputTask } from './report-tasks';

export interface ReportGroup {
  label: string;
  prunable: boolean;
  ratio: number;
  kept: number;
  total: number;
  reason?: string;
}

export interface ReportInput {
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  model: {
    fileName: string;
    fileBytes: number;
    graphName: string;
    producer: string;
    irVersion: number;
    opsets: string;
    params: number;
    macs?: number;
    macsLowerBound?: boolean;
    inputs: string;
    outputs: string;
  };
  card?: ModelCard;
  /** Models with several outputs or a non-class one: every output with its task (report-tasks.ts). */
  outputTasks?: ReportOutputTask[];
  plan: { criterion: string; allocation: string; roundTo: number; recovery: string; groups: ReportGroup[] };
  cost: NonNullable<StudioState['cost']>;
  architecture: ArchitectureData;
  validation?: { report: NonNullable<StudioState['validationReport']>; images?: string; imageCount: number };
  /** `recovery`: the refit every point had before it was measured ('lsq'), when the curves are recovery-aware. */
  sensitivity?: { metric: string; ratios: number[]; series: CurveSeries[]; perOutput?: ReportOutputCurves[]; recovery?: string };
  /** The Trade-offs tab's sweep, when it has points (a cancelled one: those done). */
  tradeoffs?: SweepResult;
}

const MODE_NAMES = { uniform: 'uniform', global: 'global ranking', sensitivity: 'sensitivity → MACs target', gates: 'learn with gates → MACs target' } as const;

/** How the ratios were chosen, in words ("uniform: 50 % of the channels of every prunable group"). */
export function allocationText(groups: readonly GroupSummary[], ratios: Readonly<Record<string, number>>, mode: StudioState['globalMode'], target: number): string {
  const prunable = groups.filter((g) => g.prunable);
  const values = prunable.map((g) => ratios[g.id] ?? 0);
  const pruned = values.filter((r) => r > 0).length;
  if (pruned === 0) return 'none: no channels removed';
  const pct = (r: number) => `${Math.round(r * 100)} %`;
  if (pruned === prunable.length && values.every((r) => r === values[0])) return `uniform: ${pct(values[0]!)} of the channels of every prunable group`;
  const lo = Math.min(...values), hi = Math.max(...values);
  const control = mode === 'sensitivity' || mode === 'gates' ? `${pct(target)} of MACs` : pct(target);
  return `per group: ${pruned} of ${prunable.length} groups pruned, ${pct(lo)}–${pct(hi)} (global control: ${MODE_NAMES[mode]}, ${control})`;
}

/** The report's content, or why there is none yet. */
export function reportInput(s: StudioState, now = new Date()): ReportInput | { missing: string } {
  const { summary, groups, cost } = s;
  if (!summary) return { missing: 'Open a model first.' };
  if (!groups || !cost || s.costPending) return { missing: 'Wait for the plan’s cost to be computed.' };
  const label = (id: string) => groups.find((g) => g.id === id)?.label ?? id;
  const curve = (drops: readonly number[]): [number, number][] => [[0, 0], ...s.sensitivityResult!.ratios.map((r, i): [number, number] => [r, drops[i] ?? 0])];
  // A single classifier output needs no task table; several outputs, or a segmentation/dense one, do.
  const tasks = s.outputTasks ?? [];
  const multiTask = tasks.length > 1 || headlineTask(tasks) !== 'class';
  const criterion = s.criteria.find((c) => c.id === s.criterion);
  return {
    generatedAt: now.toISOString(),
    model: {
      fileName: summary.fileName, fileBytes: summary.fileBytes, graphName: summary.graphName, producer: summary.producer,
      irVersion: summary.irVersion, opsets: summary.opsets, params: summary.totals.params, macs: summary.totals.macs,
      macsLowerBound: summary.totals.macsLowerBound,
      inputs: summary.inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', '),
      outputs: summary.outputs.map((o) => `${o.name} ${formatShape(o.shape)}`).join(', '),
    },
    card: s.card,
    ...(multiTask ? {
      outputTasks: tasks.map((t) => ({ ...t, shape: formatShape(summary.outputs.find((o) => o.name === t.name)?.shape ?? []) })),
    } : {}),
    plan: {
      criterion: criterion ? `${criterion.name} (${criterion.id})` : s.criterion,
      allocation: allocationText(groups, s.ratios, s.globalMode, s.globalTarget),
      roundTo: s.roundTo,
      recovery: RECOVERY_NAMES[s.recovery] ?? s.recovery,
      groups: groups.map((g) => ({
        label: g.label, prunable: g.prunable, ratio: g.prunable ? (s.ratios[g.id] ?? 0) : 0,
        kept: cost.keep[g.id]?.length ?? g.channels, total: g.channels, ...(g.reason ? { reason: g.reason } : {}),
      })),
    },
    cost,
    architecture: architectureData(summary, groups, cost),
    ...(s.validationReport ? { validation: { report: s.validationReport, images: s.imagesSource, imageCount: s.validationReport.perImage.length } } : {}),
    ...(s.sensitivityResult ? {
      sensitivity: {
        metric: s.sensitivityResult.metric,
        ratios: s.sensitivityResult.ratios,
        ...(s.sensitivityResult.recovery ? { recovery: s.sensitivityResult.recovery } : {}),
        series: Object.entries(s.sensitivityResult.curves).map(([id, drops]) => ({ id, label: label(id), points: curve(drops) })),
        ...(s.sensitivityResult.outputs && s.sensitivityResult.perOutput ? {
          perOutput: s.sensitivityResult.outputs.map((o) => ({
            name: o.name, task: o.task, measure: o.measure,
            // Same groups in the same order as the combined chart, so the colours match its legend.
            series: Object.keys(s.sensitivityResult!.curves).map((id) => ({ id, label: label(id), points: curve(s.sensitivityResult!.perOutput![id]?.[o.name] ?? []) })),
          })),
        } : {}),
      },
    } : {}),
    ...(s.sweep?.points.length ? { tradeoffs: s.sweep } : {}),
  };
}
