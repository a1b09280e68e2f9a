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

/** Why a group whose scores are all exactly zero is skipped (left unpruned by targets; see docs/criteria.md). */
export const ZERO_SCORES_REASON = 'every score is 0: the criterion sees no difference between its channels (for taylor/oracle the loss does not depend on them at this model, e.g. a zero-initialised head): left unscored — use a weight criterion (l1/l2), or score a trained model';
import { aggregateScores, groupTensors, normaliseScores, type Aggregate, type GroupTensor, type Normalisation } from './group-tensors.js';
import { resolveTasks, type TaskKind } from './loss-task.js';

export { CRITERIA, CRITERION_IDS, criterionInfo, DEFAULT_SCORE_IMAGES, isCriterionId, scoreImages, type CriterionId } from './criteria/registry.js';
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
  /**
   * Another criterion that decides, within each group, which channels go first, while `criterion`
   * keeps deciding how many each group loses: the k-th channel in `orderBy`'s order gets the k-th
   * score of the group in `criterion`'s, so allocations made from the scores are unchanged.
   * `reconstruction` here pairs a loss-aware allocation with the channels least squares can best
   * do without (docs/criteria.md, "Choosing channels for least squares").
   */
  orderBy?: string;
}


export interface GroupScoreResult {
  criterion: string;
  /** Group id → one score per channel (normalised). Only prunable groups that could be scored. */
  scores: Map<string, Float64Array>;
  /** Multi-output models, Taylor/oracle: the normalised scores per output. */
  perOutput?: Map<string, Map<string, Float64Array>>;
  /** Prunable groups that got no score, with the reason. */
  skipped: { group: string; reason: string }[];
  /** The criterion that ordered the channels within each group, when not `criterion` (ScoreOptions.orderBy). */
  orderedBy?: string;
}

/** Scores the channels of every prunable group of `model` with `criterion` (an id of CRITERIA; others throw), ordered within groups by `options.orderBy` when given. */
export async function scoreGroups(model: ModelProto, criterion: string, options: ScoreOptions = {}, analysis: ChannelAnalysis = analyseChannels(buildGraph(model))): Promise<GroupScoreResult> {
  const orderBy = options.orderBy;
  if (orderBy !== undefined) criterionInfo(orderBy);
  const main = await scoreWith(model, criterion, options, analysis);
  if (orderBy === undefined || orderBy === criterion) return main;
  const order = await scoreWith(model, orderBy, options, analysis);
  const reorder = (scores: Map<string, Float64Array>) => new Map([...scores].map(([id, s]) => [id, order.scores.has(id) ? reorderWithin(s, order.scores.get(id)!) : s]));
  return {
    ...main,
    scores: reorder(main.scores),
    perOutput: main.perOutput && new Map([...main.perOutput].map(([output, scores]) => [output, reorder(scores)])),
    orderedBy: orderBy,
  };
}

/**
 * `values` (one group's scores) handed out again in `order`'s ranking: the channel `order` ranks
 * k-th lowest gets the k-th lowest of `values` (ties in `order` broken by `values`).
 */
export function reorderWithin(values: Float64Array, order: Float64Array): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const channels = [...values.keys()].sort((a, b) => order[a]! - order[b]! || values[a]! - values[b]!);
  const out = new Float64Array(values.length);
  channels.forEach((ch, k) => (out[ch] = sorted[k]!));
  return out;
}

async function scoreWith(model: ModelProto, criterion: string, options: ScoreOptions, analysis: ChannelAnalysis): Promise<GroupScoreResult> {
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
    // Groups whose raw scores are all exactly 0 (normalised they would all read 1, an arbitrary order).
    const zero = new Set<string>();
    for (const g of groups) {
      const vectors = raw.perGroup.get(g.id) ?? [];
      if (vectors.some((v) => v.some((x) => !Number.isFinite(x)))) {
        nonFinite.push(g.id);
        skipped.push({ group: g.id, reason: NON_FINITE_REASON });
      } else if (vectors.length) {
        if (vectors.every((v) => v.every((x) => x === 0))) zero.add(g.id);
        scores.set(g.id, normaliseScores(aggregateScores(vectors, options.aggregate ?? 'mean'), options.normalise ?? 'mean'));
      } else skipped.push({ group: g.id, reason: raw.whyNot?.get(g.id) ?? raw.missing });
    }
    if (nonFinite.length && !options.allowNonFinite) throw new NonFiniteScoresError(criterion, nonFinite);
    return { scores, skipped, zero };
  };
  /** Leaves out the groups in `zero`: their scores say nothing, so they are skipped with the reason. */
  const withoutZero = (r: Omit<GroupScoreResult, 'criterion'>, zero: ReadonlySet<string>): GroupScoreResult => {
    for (const id of zero) {
      r.scores.delete(id);
      r.skipped.push({ group: id, reason: ZERO_SCORES_REASON });
    }
    return { criterion, ...r };
  };

  if (!info.perOutput) {
    const { scores, skipped, zero } = finish(await info.score(job));
    return withoutZero({ scores, skipped }, zero);
  }

  // Loss-driven criteria: one score set per output (each output's loss alone), then combined.
  const outputs = options.lossOutputs ?? analysis.ir.graph.output.map((o) => o.name);
  const tasks = resolveTasks(analysis.ir, analysis.shapes, options.tasks);
  const perOutput = new Map<string, Map<string, Float64Array>>();
  let skipped: GroupScoreResult['skipped'] = [];
  let zeroForAll: Set<string> | undefined;
  for (const [index, output] of outputs.entries()) {
    const done = finish(await info.score({ ...job, loss: { output, index, task: tasks.get(output) ?? 'class' } }));
    // A group this output's loss does not depend on scores 0 for it (not the 1s that normalising
    // zeros gives), so combining by max leaves the other outputs' ranking of its channels intact.
    for (const id of done.zero) done.scores.set(id, new Float64Array(done.scores.get(id)!.length));
    perOutput.set(output, done.scores);
    skipped = done.skipped;
    zeroForAll = zeroForAll ? new Set([...zeroForAll].filter((id) => done.zero.has(id))) : done.zero;
  }
  const combine = options.combineOutputs ?? 'max';
  const scores = new Map<string, Float64Array>();
  for (const g of groups) {
    const vs = [...perOutput.values()].map((m) => m.get(g.id)).filter((v): v is Float64Array => !!v);
    if (vs.length) scores.set(g.id, aggregateScores(vs, combine));
  }
  return withoutZero({ scores, perOutput: outputs.length > 1 ? perOutput : undefined, skipped }, zeroForAll ?? new Set());
}
