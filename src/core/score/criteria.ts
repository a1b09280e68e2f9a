// The one entry point of channel-importance scoring: scoreGroups scores every prunable dependency
// group with a criterion of the registry (criteria/registry.ts), aggregates over the group's member
// tensors, normalises per group and, for loss-driven criteria, combines the per-output scores.
// See docs/criteria.md for the definitions and the choices made.
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { DataScoreOptions } from './criteria-data.js';
import type { CriterionScores, ScoringJob } from './criteria/types.js';
import { criterionInfo } from './criteria/registry.js';
import { NON_FINITE_REASON, NonFiniteScoresError } from './non-finite.js';

export { NON_FINITE_REASON, NonFiniteScoresError } from './non-finite.js';
import { aggregateScores, groupTensors, normaliseScores, type Aggregate, type GroupTensor, type Normalisation } from './group-tensors.js';
import { resolveTasks, type TaskKind } from './loss-task.js';

export { CRITERIA, CRITERION_IDS, criterionInfo, isCriterionId, type CriterionId } from './criteria/registry.js';
export type { Criterion, CriterionScores, ScoringJob } from './criteria/types.js';

export interface ScoreOptions extends Partial<DataScoreOptions> {
  /** Combining a group's member tensors (default: mean). */
  aggregate?: Aggregate;
  /** Per-group normalisation (default: mean → every group's mean score is 1). */
  normalise?: Normalisation;
  /** Multi-output models: how per-output scores combine (default: max, as PAGCP/DiSparse). */
  combineOutputs?: 'max' | 'mean';
  /** Seed of the random criterion. */
  seed?: number;
  /** Outputs whose loss drives Taylor/oracle (default: every graph output). */
  lossOutputs?: string[];
  /** Task (hence loss) of outputs for Taylor/oracle, by output name; others are detected (loss-task.ts). */
  tasks?: Readonly<Record<string, TaskKind>>;
  /**
   * Groups whose scores come out NaN or infinite (weights holding NaN/Inf, activations that
   * overflow) rank their channels arbitrarily, so by default scoring refuses them with an error
   * naming the groups; with this set they are skipped (left unpruned) and the others scored.
   */
  allowNonFinite?: boolean;
}


export interface GroupScoreResult {
  criterion: string;
  /** Group id → one score per channel (normalised). Only prunable groups that could be scored. */
  scores: Map<string, Float64Array>;
  /** Multi-output models, Taylor/oracle: the normalised scores per output. */
  perOutput?: Map<string, Map<string, Float64Array>>;
  /** Prunable groups that got no score, with the reason. */
  skipped: { group: string; reason: string }[];
}

/** Scores the channels of every prunable group of `model` with `criterion` (an id of CRITERIA; others throw). */
export async function scoreGroups(model: ModelProto, criterion: string, options: ScoreOptions = {}, analysis: ChannelAnalysis = analyseChannels(buildGraph(model))): Promise<GroupScoreResult> {
  const info = criterionInfo(criterion);
  const groups = analysis.groups.filter((g) => g.prunable);
  let data: DataScoreOptions | undefined;
  if (info.needsImages) {
    if (!options.runner || !options.batches?.length) throw new Error(`criterion "${criterion}" needs images: pass calibration images (--images DIR)`);
    data = { runner: options.runner, batches: options.batches, signal: options.signal, onProgress: options.onProgress };
  }
  const tensorsOf = new Map<string, GroupTensor[]>(groups.map((g) => [g.id, groupTensors(analysis, g)]));
  const job: ScoringJob = { model, analysis, groups, tensorsOf, seed: options.seed ?? 0, data };

  const finish = (raw: CriterionScores) => {
    const scores = new Map<string, Float64Array>();
    const skipped: GroupScoreResult['skipped'] = [];
    const nonFinite: string[] = [];
    for (const g of groups) {
      const vectors = raw.perGroup.get(g.id) ?? [];
      if (vectors.some((v) => v.some((x) => !Number.isFinite(x)))) {
        nonFinite.push(g.id);
        skipped.push({ group: g.id, reason: NON_FINITE_REASON });
      } else if (vectors.length) scores.set(g.id, normaliseScores(aggregateScores(vectors, options.aggregate ?? 'mean'), options.normalise ?? 'mean'));
      else skipped.push({ group: g.id, reason: raw.whyNot?.get(g.id) ?? raw.missing });
    }
    if (nonFinite.length && !options.allowNonFinite) throw new NonFiniteScoresError(criterion, nonFinite);
    return { scores, skipped };
  };

  if (!info.perOutput) return { criterion, ...finish(await info.score(job)) };

  // Loss-driven criteria: one score set per output (each output's loss alone), then combined.
  const outputs = options.lossOutputs ?? analysis.ir.graph.output.map((o) => o.name);
  const tasks = resolveTasks(analysis.ir, analysis.shapes, options.tasks);
  const perOutput = new Map<string, Map<string, Float64Array>>();
  let skipped: GroupScoreResult['skipped'] = [];
  for (const [index, output] of outputs.entries()) {
    const done = finish(await info.score({ ...job, loss: { output, index, task: tasks.get(output) ?? 'class' } }));
    perOutput.set(output, done.scores);
    skipped = done.skipped;
  }
  const combine = options.combineOutputs ?? 'max';
  const scores = new Map<string, Float64Array>();
  for (const g of groups) {
    const vs = [...perOutput.values()].map((m) => m.get(g.id)).filter((v): v is Float64Array => !!v);
    if (vs.length) scores.set(g.id, aggregateScores(vs, combine));
  }
  return { criterion, scores, perOutput: outputs.length > 1 ? perOutput : undefined, skipped };
}
