// What a plan would cost (MACs, params), fast enough to search over: counted from the kept
// channels (metrics/plan-cost.ts, ~1 ms on ResNet-50) where the model allows it, else by applying
// the plan and measuring. With input shapes (a model with dynamic H/W and `--input-shape`) the
// counting runs on an analysis whose shapes were inferred at those sizes, so MACs are not lower bounds.
import { analyseChannels, type AnalysisOptions, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { inferShapes, type ShapeOptions } from '../graph/shapes.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import { costOfPlan, planCostModel, type PlanCostModel } from '../metrics/plan-cost.js';
import type { ModelProto } from '../onnx/proto.js';
import { applyPlan } from './apply.js';
import type { PrunePlan } from './plan.js';

/** The costs a target can be set on. */
export interface PlanCost {
  macs: number;
  params: number;
}

export interface PlanCosting {
  /** The unpruned model's cost. */
  base: PlanCost;
  /** Some node's MACs are unknown (dynamic dims without input shapes): MACs are lower bounds. */
  macsLowerBound: boolean;
  /** The cost of the model `plan` prunes (as computeMetrics(applyPlan(...)) would measure it). */
  of(plan: PrunePlan): PlanCost;
}

/** Same groups (ids and widths) in both analyses: a plan of one can be counted on the other. */
function sameGroups(a: ChannelAnalysis, b: ChannelAnalysis): boolean {
  return a.groups.length === b.groups.length && a.groups.every((g, i) => g.id === b.groups[i]!.id && g.channels === b.groups[i]!.channels && g.prunable === b.groups[i]!.prunable);
}

/**
 * Costing of plans made on `analysis` (the one plans are built and applied with). `analysisOptions`
 * must be the ones `analysis` was built with; they matter only with `shapeOptions.inputShapes`.
 */
export function planCosting(model: ModelProto, analysis: ChannelAnalysis, shapeOptions: ShapeOptions = {}, analysisOptions: AnalysisOptions = {}): PlanCosting {
  const sized = shapeOptions.inputShapes?.size ? analyseChannels(analysis.ir, inferShapes(analysis.ir, shapeOptions), analysisOptions) : analysis;
  const counting: PlanCostModel | undefined = sameGroups(sized, analysis) ? planCostModel(sized) : undefined;
  const base = computeMetrics(sized.ir, sized.shapes);
  const measure = (plan: PrunePlan): PlanCost => {
    if (Object.keys(plan.groups).length === 0) return { macs: base.macs, params: base.params };
    const ir = buildGraph(applyPlan(model, plan, analysis));
    const m = computeMetrics(ir, inferShapes(ir, shapeOptions));
    return { macs: m.macs, params: m.params };
  };
  return {
    base: { macs: base.macs, params: base.params },
    macsLowerBound: base.macsLowerBound,
    of(plan) {
      const totals = counting && costOfPlan(counting, plan);
      return totals ? { macs: totals.macs, params: totals.params } : measure(plan);
    },
  };
}
