// The channel-importance criteria: one registry, one entry point (scoreGroups) that scores every
// prunable dependency group, aggregates over the group's member tensors and normalises per group.
// See docs/criteria.md for the definitions and the choices made.
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import { activationSummaries, oracleScores, taylorScores, type DataScoreOptions } from './criteria-data.js';
import { buildBackwardModel } from './backward.js';
import { bnGammaScores, weightNormScores } from './criteria-weights.js';
import { aggregateScores, groupTensors, normaliseScores, type Aggregate, type GroupTensor, type Normalisation } from './group-tensors.js';
import { seededRandom } from '../random.js';

/** A criterion as listed in the CLI and the studio. */
export interface CriterionInfo {
  id: string;
  name: string;
  description: string;
  needsImages: boolean;
}

/** Every criterion, in the order offered. Higher scores mean more important channels. */
export const CRITERIA: readonly CriterionInfo[] = [
  { id: 'l1', name: 'Weight L1', description: 'Sum of |w| of the weights that create the channel.', needsImages: false },
  { id: 'l2', name: 'Weight L2', description: 'L2 norm of the weights that create the channel.', needsImages: false },
  { id: 'bn-gamma', name: 'BN |γ|', description: 'Absolute BatchNorm scale of the channel (network slimming); needs BN kept in the model.', needsImages: false },
  { id: 'act-l2', name: 'Activation L2', description: 'Mean over images of the L2 norm of the channel’s feature map.', needsImages: true },
  { id: 'mean-abs', name: 'Mean |activation|', description: 'Mean absolute activation of the channel over images and positions.', needsImages: true },
  { id: 'apoz', name: 'APoZ', description: '1 − average percentage of zeros: channels that are mostly zero after ReLU score low.', needsImages: true },
  { id: 'taylor', name: 'Taylor', description: 'First-order estimate of the loss change when the channel is removed: |mean of a·∂C/∂a|, averaged over images.', needsImages: true },
  { id: 'taylor-act', name: 'Taylor + activation', description: 'Taylor and activation L2, each normalised per layer, averaged.', needsImages: true },
  { id: 'oracle', name: 'Oracle ΔC', description: 'Exact loss (or KL) increase measured by zeroing the channel on the images. Slow: one run per channel.', needsImages: true },
  { id: 'random', name: 'Random', description: 'Seeded random scores: the baseline any criterion should beat.', needsImages: false },
];

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

/** Looks a criterion up by id, with an actionable error listing the valid ones. */
export function criterionInfo(id: string): CriterionInfo {
  const c = CRITERIA.find((x) => x.id === id);
  if (!c) throw new Error(`unknown criterion "${id}"; choose one of: ${CRITERIA.map((x) => x.id).join(', ')}`);
  return c;
}

/** Scores the channels of every prunable group of `model` with `criterion`. */
export async function scoreGroups(model: ModelProto, criterion: string, options: ScoreOptions = {}, analysis: ChannelAnalysis = analyseChannels(buildGraph(model))): Promise<GroupScoreResult> {
  const info = criterionInfo(criterion);
  const aggregate = options.aggregate ?? 'mean';
  const normalise = options.normalise ?? 'mean';
  const groups = analysis.groups.filter((g) => g.prunable);
  const skipped: GroupScoreResult['skipped'] = [];
  const raw = new Map<string, Float64Array>();
  const finish = (perGroup: Map<string, Float64Array[]>, why: string, whyNot?: Map<string, string>) => {
    for (const g of groups) {
      const vectors = perGroup.get(g.id) ?? [];
      if (vectors.length) raw.set(g.id, normaliseScores(aggregateScores(vectors, aggregate), normalise));
      else skipped.push({ group: g.id, reason: whyNot?.get(g.id) ?? why });
    }
  };

  if (!info.needsImages) {
    const rand = seededRandom(options.seed ?? 0);
    const perGroup = new Map<string, Float64Array[]>();
    for (const g of groups) {
      const vectors = criterion === 'random' ? [Float64Array.from({ length: g.channels }, rand)]
        : criterion === 'bn-gamma' ? bnGammaScores(analysis, g)
        : weightNormScores(analysis, g, criterion === 'l1' ? 1 : 2);
      perGroup.set(g.id, vectors);
    }
    finish(perGroup, criterion === 'bn-gamma' ? 'no BatchNormalization scales these channels (BN fused into Conv)' : 'no constant producer weights');
    return { criterion, scores: raw, skipped };
  }

  if (!options.runner || !options.batches?.length) throw new Error(`criterion "${criterion}" needs images: pass calibration images (--images DIR)`);
  const data: DataScoreOptions = { runner: options.runner, batches: options.batches, signal: options.signal, onProgress: options.onProgress };
  const tensorsOf = new Map<string, GroupTensor[]>();
  for (const g of groups) tensorsOf.set(g.id, groupTensors(analysis, g));
  const allTensors = [...tensorsOf.values()].flat();
  const byTensor = (values: Map<string, Float64Array>) => new Map(groups.map((g) => [g.id, tensorsOf.get(g.id)!.map((t) => values.get(t.name)).filter((v): v is Float64Array => !!v)]));
  const noTensor = 'no feature map shows exactly this group’s channels';

  if (criterion === 'act-l2' || criterion === 'mean-abs' || criterion === 'apoz') {
    const summaries = await activationSummaries(model, allTensors, data);
    const pick = new Map([...summaries].map(([k, s]) => [k, criterion === 'act-l2' ? s.meanMapL2 : criterion === 'mean-abs' ? s.meanAbs : s.apoz.map((z) => 1 - z)]));
    finish(byTensor(pick), noTensor);
    return { criterion, scores: raw, skipped };
  }

  // Taylor, Taylor+activation and oracle depend on a loss: one score set per output, then combined.
  const ir = analysis.ir;
  const outputs = options.lossOutputs ?? ir.graph.output.map((o) => o.name);
  const perOutput = new Map<string, Map<string, Float64Array>>();
  for (const [oi, out] of outputs.entries()) {
    let perGroup: Map<string, Float64Array[]>;
    const whyNot = new Map<string, string>();
    if (criterion === 'oracle') {
      const isProbs = ['Softmax', 'LogSoftmax'].includes(ir.producer.get(out)?.opType ?? '');
      const spec = new Map(groups.filter((g) => tensorsOf.get(g.id)!.length).map((g) => [g.id, { tensors: tensorsOf.get(g.id)!, channels: g.channels, rank: analysis.layouts.get(tensorsOf.get(g.id)![0]!.name)?.rank ?? 4 }]));
      const scores = await oracleScores(analysis.ir.model, spec, out, oi, isProbs, data);
      perGroup = new Map([...scores].map(([k, v]) => [k, [v]]));
    } else {
      const { usable, reasons } = differentiableTensors(model, allTensors, out);
      let perTensor = usable.length ? await taylorScores(model, usable, out, oi, data) : new Map<string, Float64Array>();
      if (criterion === 'taylor-act') {
        const act = await activationSummaries(model, usable, data);
        perTensor = new Map([...perTensor].map(([name, v]) => [name, combineNormalised(v, act.get(name)!.meanMapL2)]));
      }
      perGroup = byTensor(perTensor);
      for (const g of groups) {
        const why = tensorsOf.get(g.id)!.map((t) => reasons.get(t.name)).find(Boolean);
        if (why && !perGroup.get(g.id)?.length) whyNot.set(g.id, why);
      }
    }
    raw.clear();
    skipped.length = 0;
    finish(perGroup, noTensor, whyNot);
    perOutput.set(out, new Map(raw));
  }
  const combine = options.combineOutputs ?? 'max';
  const scores = new Map<string, Float64Array>();
  for (const g of groups) {
    const vs = [...perOutput.values()].map((m) => m.get(g.id)).filter((v): v is Float64Array => !!v);
    if (vs.length) scores.set(g.id, aggregateScores(vs, combine));
  }
  return { criterion, scores, perOutput: outputs.length > 1 ? perOutput : undefined, skipped };
}

/**
 * The tensors whose gradient the backward graph can produce for `output`. When the whole set fails
 * (an op without a backward rule on some path), each tensor is tried alone and the failures reported.
 */
function differentiableTensors(model: ModelProto, tensors: readonly GroupTensor[], output: string): { usable: GroupTensor[]; reasons: Map<string, string> } {
  const reasons = new Map<string, string>();
  const attempt = (ts: readonly GroupTensor[]) => buildBackwardModel(model, { activations: ts.map((t) => t.name), lossOutputs: [output] });
  try {
    attempt(tensors);
    return { usable: [...tensors], reasons };
  } catch {
    const usable = tensors.filter((t) => {
      try {
        attempt([t]);
        return true;
      } catch (err) {
        reasons.set(t.name, (err as Error).message);
        return false;
      }
    });
    return { usable, reasons };
  }
}

/** Taylor + activation (method 3 of the SqueezeNet pruning study): each L2-normalised, then averaged. */
function combineNormalised(taylor: Float64Array, activation: Float64Array): Float64Array {
  const t = normaliseScores(taylor, 'l2');
  const a = normaliseScores(activation, 'l2');
  return t.map((v, i) => (v + a[i]!) / 2);
}
