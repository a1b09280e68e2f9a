// The compression part of a version 2 plan (docs/plan-format.md): low rank at the plan's ranks, then
// sparsity, applied to the pruned (and recovered) model. One definition for the CLI (`prune --plan`)
// and the studio worker (Validate, Export), so a plan replays to the same model in both.
import { buildGraph } from '../graph/ir.js';
import type { ShapeOptions } from '../graph/shapes.js';
import { cloneMessage } from '../onnx/clone.js';
import type { ModelProto } from '../onnx/proto.js';
import { PLAN_METADATA_KEY } from '../prune/apply.js';
import { hasCompress, planWithCompress, type PlanCompress, type PlanSparsity, type PrunePlan } from '../prune/plan.js';
import { factoriseModel, type FactorisedLayer } from './lowrank.js';
import { inputCovariances, refitSecondFactors, type CalibrationContext, type Refit } from './lowrank-data.js';
import { refitSparse, type SparseRefit } from './sparse-refit.js';
import { lowRankCandidates, type LowRankCandidate } from './lowrank-layers.js';
import { sparseLayers } from './sparse-layers.js';
import { parsePattern, patternSparsity, sparsifyModel, type SparsifiedLayer } from './sparsify.js';

/** Weight initializer → importance per output, computed on `model` (the model as it is when sparsity runs). */
export type ImportanceProvider = (model: ModelProto, weights: readonly string[]) => Promise<Map<string, Float32Array[]>>;

export interface PlanCompressOptions {
  /** Needed by `sparsity.criterion: "taylor"` (calibration images); magnitude needs nothing. */
  importance?: ImportanceProvider;
  shapeOptions?: ShapeOptions;
  /** Words for errors: where the model comes from ("after channel pruning"). */
  context?: string;
  /**
   * What a plan does NOT record, on calibration images (the studio's data-aware low rank and
   * refits, as `lowrank --images --recover lsq` and `sparsify --recover lsq` do): whitened factors
   * at the plan's ranks, least-squares refits of the second factors and of the kept sparse weights.
   * `prune --plan` does not replay these; the ranks and sparsity settings stay the plan's.
   */
  beyondPlan?: BeyondPlan;
}

export interface BeyondPlan {
  calibration: CalibrationContext;
  /** Factorise by the SVD whitened with each layer's input covariance. */
  whiten?: boolean;
  /** Refit each factorised layer's second factor and bias. */
  refitFactors?: boolean;
  /** Refit the weights sparsity kept (SparseGPT-style). */
  refitSparse?: boolean;
}

export interface PlanCompressResult {
  model: ModelProto;
  /** Layers factorised (ranks at or above break-even leave a layer dense: listed in `dense`). */
  lowrank?: { layers: FactorisedLayer[]; dense: { node: string; reason: string }[]; notWhitened?: { node: string; reason: string }[]; refits?: Refit[] };
  sparsity?: { layers: SparsifiedLayer[]; dense: { node: string; reason: string }[]; masks: Map<string, Uint8Array>; refits?: SparseRefit[]; notRefit?: { node: string; reason: string }[] };
}

/** A layer's full rank, min(out, in): the most a plan may give it. */
const fullRank = (c: Pick<LowRankCandidate, 'out' | 'in'>): number => Math.min(c.out, c.in);

function listIds(ids: readonly string[]): string {
  if (!ids.length) return 'this model has none';
  const shown = ids.slice(0, 12).map((id) => `"${id}"`).join(', ');
  return `factorisable layers: ${shown}${ids.length > 12 ? `, … (${ids.length} in all)` : ''}`;
}

/**
 * Checks a plan's ranks against `model`: every id a factorisable layer, every rank in 1 … its full
 * rank. Throws naming the layer and what is wrong (the factorisable layers are what `prune-studio
 * lowrank` reports, and the Rank tab lists).
 */
export function checkPlanRanks(model: ModelProto, ranks: Readonly<Record<string, number>>, options: Pick<PlanCompressOptions, 'shapeOptions' | 'context'> = {}): void {
  if (!Object.keys(ranks).length) return;
  const { candidates, skipped } = lowRankCandidates(buildGraph(model), options.shapeOptions);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const where = options.context ? ` ${options.context}` : '';
  for (const [id, rank] of Object.entries(ranks)) {
    const c = byId.get(id);
    if (!c) {
      const why = skipped.find((s) => s.node === id);
      if (why) throw new Error(`plan lowrank layer "${id}" cannot be factorised${where}: ${why.reason}; remove it from "lowrank.ranks"`);
      throw new Error(`plan lowrank layer "${id}" is not a factorisable layer of this model${where}; was the plan made for another model? (${listIds(candidates.map((x) => x.id))})`);
    }
    if (!Number.isInteger(rank) || rank < 1 || rank > fullRank(c)) {
      throw new Error(`plan lowrank layer "${id}": rank ${rank} is outside 1 … ${fullRank(c)}, the full rank of its ${c.out}×${c.in} weight${where}`);
    }
  }
}

/**
 * The ranks a studio-style request (sliders over the unpruned model) gives `model`: each clamped to
 * the layer's full rank (channel pruning may have narrowed it), kept only where it is below the
 * break-even rank (else the layer stays dense, as the studio shows), ids the model lacks left out.
 * What is returned passes checkPlanRanks, so it is what a plan records.
 */
export function resolveRanks(model: ModelProto, ranks: Readonly<Record<string, number>>, shapeOptions?: ShapeOptions): { ranks: Record<string, number>; dense: { node: string; reason: string }[] } {
  const out: Record<string, number> = {};
  const dense: { node: string; reason: string }[] = [];
  if (!Object.keys(ranks).length) return { ranks: out, dense };
  // In model order, so plans list layers as the model does.
  for (const c of lowRankCandidates(buildGraph(model), shapeOptions).candidates) {
    const asked = ranks[c.id];
    if (asked === undefined) continue;
    const r = Math.max(1, Math.min(fullRank(c), Math.round(asked)));
    if (r > c.breakEven) dense.push({ node: c.id, reason: `rank ${r} is not below its break-even rank ${c.breakEven} (would not lower MACs)` });
    else out[c.id] = r;
  }
  return { ranks: out, dense };
}

/** The sparsify options of a plan's sparsity (the pattern checked). */
function sparsifyOptions(s: PlanSparsity) {
  const pattern = parsePattern(s.pattern);
  return { pattern, sparsity: patternSparsity(pattern, s.sparsity), scope: s.scope };
}

/** Throws when applying `compress` needs something the caller did not give (Taylor without images). */
export function checkPlanCompressInputs(compress: PlanCompress, options: Pick<PlanCompressOptions, 'importance'>): void {
  if (compress.sparsity?.criterion === 'taylor' && !options.importance) {
    throw new Error('the plan\'s sparsity criterion is "taylor": its weight importance needs calibration images');
  }
}

/**
 * Applies the plan's low rank (factoriseModel at exactly its ranks, checked first) and then its
 * sparsity (sparsifyModel; importance from `options.importance` for taylor, on the factorised model
 * so factors are sparsified too) to `model`, the pruned and recovered model. The result carries the
 * whole plan under `prune_studio.plan`. Returns `model` itself when the plan has no compression.
 */
export async function applyPlanCompress(model: ModelProto, plan: PrunePlan, options: PlanCompressOptions = {}): Promise<PlanCompressResult> {
  if (!hasCompress(plan)) return { model };
  checkPlanCompressInputs(plan, options);
  let out = model;
  const result: Omit<PlanCompressResult, 'model'> = {};
  const ranks = plan.lowrank?.ranks ?? {};
  if (Object.keys(ranks).length) {
    checkPlanRanks(out, ranks, options);
    const data = options.beyondPlan;
    const whitened = data?.whiten ? await inputCovariances(out, data.calibration) : undefined;
    const factorised = factoriseModel(out, { target: { kind: 'ranks', ranks }, shapeOptions: options.shapeOptions, covariances: whitened?.covariances });
    result.lowrank = { layers: factorised.layers, dense: factorised.dense.filter((d) => d.node in ranks), ...(whitened ? { notWhitened: whitened.skipped.filter((s) => s.node in ranks) } : {}) };
    if (data?.refitFactors && factorised.layers.length) {
      const refit = await refitSecondFactors(out, factorised.model, factorised.layers, data.calibration);
      result.lowrank.refits = refit.refits;
      out = refit.model;
    } else {
      out = factorised.model;
    }
  }
  if (plan.sparsity) {
    const settings = sparsifyOptions(plan.sparsity);
    let importance: Map<string, Float32Array[]> | undefined;
    if (plan.sparsity.criterion === 'taylor') importance = await options.importance!(out, sparseLayers(buildGraph(out)).layers.map((l) => l.weight));
    const sparse = sparsifyModel(out, { ...settings, importance });
    result.sparsity = { layers: sparse.layers, dense: sparse.dense, masks: sparse.masks };
    if (options.beyondPlan?.refitSparse) {
      // Toward the model as it was before sparsity (factorised, when low rank ran): each layer's own inputs.
      const refit = await refitSparse(out, sparse.model, sparse.masks, options.beyondPlan.calibration);
      Object.assign(result.sparsity, { refits: refit.refits, notRefit: refit.skipped });
      out = refit.model;
    } else {
      out = sparse.model;
    }
  }
  const metadataProps = [
    ...out.metadataProps.filter((p) => p.key !== PLAN_METADATA_KEY),
    { key: PLAN_METADATA_KEY, value: JSON.stringify(planWithCompress(plan, plan)) } as ModelProto['metadataProps'][number],
  ];
  return { ...result, model: cloneMessage(out, { metadataProps }) };
}
