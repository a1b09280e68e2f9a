// Compression beyond channels in the studio worker, over core/compress: the singular values of the
// loaded model's factorisable layers (the Rank tab), ranks for a global target (core's allocation),
// the zeros a sparsity setting leaves per layer and output channel (the Sparsity tab), and the
// low-rank + sparse model that validation and export build after pruning and recovery
// (prepare-pruned.ts) — by core's applyPlanCompress, as `prune --plan` does with the version 2 plan
// that Export plan writes. Factors and weights stay here; the page gets numbers.
import { layerSpectrum } from '../../core/compress/lowrank-factor';
import { lowRankCandidates } from '../../core/compress/lowrank-layers';
import { selectRanks } from '../../core/compress/lowrank-rank';
import { applyPlanCompress, resolveRanks } from '../../core/compress/plan-compress';
import { sparseLayers } from '../../core/compress/sparse-layers';
import { parsePattern, patternSparsity, sparsifyModel, type SparsePattern } from '../../core/compress/sparsify';
import type { ModelProto } from '../../core/onnx/proto';
import { formatPlan, planWithCompress, type PlanCompress, type PrunePlan } from '../../core/prune/plan';
import { tensorToFloat32 } from '../../core/onnx/tensor';
import { checkpoint, JobError } from '../jobs';
import type { CompressSpec, PlanJsonRequest, ProgressCallback, RankTargetRequest, SparsityMap, SparsityRequest, SparsitySettings, SpectraResult } from '../protocol';
import { learntModel } from './gates';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { prunedModel } from './plan';
import { metricsOf } from './pruning-cache';

const spectraCache = new WeakMap<LoadedModel, SpectraResult>();

/** Singular values of every factorisable layer, one layer per progress step (cached per model). */
export async function layerSpectra(jobId: number, onProgress?: ProgressCallback): Promise<SpectraResult> {
  const loaded = requireLoadedModel();
  const cached = spectraCache.get(loaded);
  if (cached) return cached;
  const { candidates, skipped } = lowRankCandidates(loaded.ir);
  const layers: SpectraResult['layers'] = [];
  for (const [i, c] of candidates.entries()) {
    onProgress?.({ stage: 'svd', fraction: i / candidates.length, message: `SVD of ${c.id} (${i + 1}/${candidates.length})` });
    await checkpoint(jobId);
    const { sigma } = layerSpectrum(c.matrix, c.out, c.in);
    layers.push({ id: c.id, op: c.op, out: c.out, in: c.in, kernel: c.kernel, macs: c.macs, macsPerRank: c.macsPerRank, breakEven: c.breakEven, sigma: Array.from(sigma) });
  }
  const result: SpectraResult = { layers, skipped, modelMacs: metricsOf(loaded).macs };
  spectraCache.set(loaded, result);
  return result;
}

/** Layer id → rank for an energy or MACs target; layers the target leaves dense are not listed. */
export async function rankTarget(request: RankTargetRequest): Promise<Record<string, number>> {
  const spectra = await layerSpectra(request.jobId);
  let ranks: number[];
  try {
    ranks = selectRanks(spectra.layers.map((l) => ({ ...l, sigma: Float64Array.from(l.sigma) })), request.target, spectra.modelMacs);
  } catch (err) {
    throw new JobError('refused', `${(err as Error).message}.`, 'Ask for a larger share of the MACs, or use an energy target.');
  }
  return Object.fromEntries(spectra.layers.flatMap((l, i) => (ranks[i] ? [[l.id, ranks[i]]] : [])));
}

function patternOf(settings: SparsitySettings): SparsePattern {
  try {
    return parsePattern(settings.pattern);
  } catch (err) {
    throw new JobError('internal', `${(err as Error).message}.`, 'Choose unstructured, 2:4 or 4:8.');
  }
}

/** The loaded model sparsified as asked, measured per layer and per output channel. */
export async function sparsityMap(request: SparsityRequest, onProgress?: ProgressCallback): Promise<SparsityMap> {
  const loaded = requireLoadedModel();
  onProgress?.({ stage: 'sparsify', fraction: 0.1, message: `Sparsifying (${request.pattern})` });
  await checkpoint(request.jobId);
  const pattern = patternOf(request);
  const result = sparsifyModel(loaded.model, { sparsity: patternSparsity(pattern, request.sparsity), pattern, scope: request.scope });
  const byWeight = new Map(sparseLayers(loaded.ir).layers.map((l) => [l.weight, l]));
  const layers: SparsityMap['layers'] = [];
  let zeros = 0;
  let size = 0;
  for (const [i, r] of result.layers.entries()) {
    if (i % 8 === 0) {
      onProgress?.({ stage: 'measure', fraction: 0.5 + 0.5 * (i / result.layers.length), message: `Measuring ${r.node}` });
      await checkpoint(request.jobId);
    }
    const layer = byWeight.get(r.weight)!;
    const keep = result.masks.get(r.weight)!;
    const values = tensorToFloat32(loaded.ir.initializers.get(r.weight)!);
    const perZero = new Float64Array(layer.outputs);
    const perSize = new Float64Array(layer.outputs);
    for (let k = 0; k < values.length; k++) {
      const o = layer.outputOf(k);
      perSize[o]! += 1;
      if (!keep[k] || values[k] === 0) perZero[o]! += 1;
    }
    const { weight: _weight, ...rest } = r;
    layers.push({ ...rest, perOutput: Array.from(perZero, (z, o) => (perSize[o] ? z / perSize[o]! : 0)) });
    zeros += r.zeros;
    size += r.size;
  }
  return { layers, dense: result.dense, sparsity: size ? zeros / size : 0 };
}

/**
 * The plan's compression for the Rank and Sparsity tabs' choices on `model` (the pruned one): the
 * ranks it really gets (clamped to the pruned widths, those not below break-even left out: the
 * layer stays dense) and the sparsity settings (by magnitude; N:M always per layer).
 */
export function planCompressOf(model: ModelProto, spec: CompressSpec | undefined): PlanCompress {
  const ranks = spec?.ranks && Object.keys(spec.ranks).length ? resolveRanks(model, spec.ranks).ranks : {};
  const s = spec?.sparsity;
  const pattern = s && patternOf(s);
  return {
    ...(Object.keys(ranks).length ? { lowrank: { ranks } } : {}),
    ...(s && pattern ? { sparsity: { pattern: s.pattern, sparsity: patternSparsity(pattern, s.sparsity), scope: pattern.kind === 'n:m' ? 'layer' : s.scope, criterion: 'magnitude' } } : {}),
  };
}

let lastCompressed: { source: ModelProto; key: string; model: ModelProto; plan: PrunePlan; note: string } | undefined;

/**
 * `model` (the pruned, recovered one, made with `plan`) factorised at the spec's ranks, then
 * sparsified (core's applyPlanCompress); `plan` gains the compression (version 2), which the model
 * carries in its metadata. What validation measures and export writes. The last result is reused
 * (validate, then export).
 */
export async function compressModel(model: ModelProto, plan: PrunePlan, spec: CompressSpec): Promise<{ model: ModelProto; plan: PrunePlan; note: string }> {
  const full = planWithCompress(plan, planCompressOf(model, spec));
  const key = JSON.stringify(full);
  if (lastCompressed?.source === model && lastCompressed.key === key) return lastCompressed;
  let result: Awaited<ReturnType<typeof applyPlanCompress>>;
  try {
    result = await applyPlanCompress(model, full);
  } catch (err) {
    throw new JobError('refused', `Low rank / sparsity failed: ${(err as Error).message}`, 'Set the named layer back to dense in the Rank tab.');
  }
  const notes: string[] = [];
  if (result.lowrank) {
    const layers = result.lowrank.layers;
    const before = layers.reduce((a, l) => a + l.macsBefore, 0);
    const after = layers.reduce((a, l) => a + l.macsAfter, 0);
    notes.push(`low rank: ${layers.length} layer${layers.length === 1 ? '' : 's'} factorised (their MACs ${(100 * (1 - after / Math.max(before, 1))).toFixed(1)} % fewer)`);
  }
  if (result.sparsity && full.sparsity) {
    const sparse = result.sparsity;
    const zeros = sparse.layers.reduce((a, l) => a + l.zeros, 0);
    const size = sparse.layers.reduce((a, l) => a + l.size, 0);
    const kind = full.sparsity.pattern === 'unstructured' ? `unstructured (${full.sparsity.scope})` : full.sparsity.pattern;
    notes.push(`${kind} sparsity: ${((100 * zeros) / Math.max(size, 1)).toFixed(1)} % zeros in ${sparse.layers.length} layers${sparse.dense.length ? `, ${sparse.dense.length} dense` : ''}`);
  }
  lastCompressed = { source: model, key, model: result.model, plan: full, note: notes.join('; ') };
  return lastCompressed;
}

/**
 * The plan JSON "Export plan" downloads: the channel plan, and with the Rank and Sparsity tabs'
 * choices version 2 with the ranks the pruned model really gets and the sparsity settings — what
 * `prune --plan` replays (after the same recovery, which the plan does not record).
 */
export async function planJson(request: PlanJsonRequest): Promise<string> {
  const loaded = requireLoadedModel();
  const { jobId, compress, ...plan } = request;
  const base = learntModel(loaded, plan) ?? await prunedModel(loaded, plan, jobId);
  return formatPlan(planWithCompress(base.plan, planCompressOf(base.model, compress)));
}
