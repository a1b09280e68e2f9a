// Lossless removal: channels whose value is provably constant (an all-zero filter gives its bias,
// a BatchNorm with γ = 0 gives β, a ReLU of a constant ≤ 0 gives 0) are removed and their constant
// contribution is folded into the consumers' biases (fold.ts), so the model's outputs do not
// change. Plans with criterion "lossless" are folded by applyPlan itself.
import type { ModelProto } from '../onnx/proto.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { applyPlan } from './apply.js';
import { findWithFolds, type ConstantChannel } from './fold.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, repairPieces, type PrunePlan } from './plan.js';

export type { ConstantChannel } from './fold.js';

/** Plans with this criterion are applied with constant folding (see applyPlan). */
export const LOSSLESS_CRITERION = 'lossless';

function analyse(model: ModelProto): ChannelAnalysis {
  return analyseChannels(buildGraph(model));
}

/** Channels whose output is provably constant and can be removed losslessly (see removeConstantChannels). */
export function findConstantChannels(model: ModelProto, analysis: ChannelAnalysis = analyse(model)): ConstantChannel[] {
  return findWithFolds(analysis).channels;
}

/** A plan that removes exactly the given channels (Split/Slice pieces keep at least one). */
export function planFromChannels(model: ModelProto, analysis: ChannelAnalysis, channels: readonly ConstantChannel[], criterion = LOSSLESS_CRITERION): PrunePlan {
  const drop = new Map<string, Set<number>>();
  for (const c of channels) {
    let set = drop.get(c.group);
    if (!set) drop.set(c.group, (set = new Set()));
    set.add(c.channel);
  }
  const keep = new Map<string, number[]>();
  for (const g of analysis.groups) {
    const d = drop.get(g.id);
    if (d) keep.set(g.id, Array.from({ length: g.channels }, (_, i) => i).filter((i) => !d.has(i)));
  }
  repairPieces(analysis, keep);
  const groups: PrunePlan['groups'] = {};
  for (const g of analysis.groups) {
    const k = keep.get(g.id);
    if (k && k.length < g.channels) groups[g.id] = { channels: g.channels, keep: k };
  }
  return { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion, groups };
}

/** Removes every provably constant channel, folding constants into consumer biases: outputs stay the same. */
export function removeConstantChannels(model: ModelProto): { model: ModelProto; plan: PrunePlan; channels: ConstantChannel[] } {
  const analysis = analyse(model);
  const channels = findWithFolds(analysis).channels;
  const plan = planFromChannels(model, analysis, channels);
  return { model: applyPlan(model, plan, analysis), plan, channels };
}
