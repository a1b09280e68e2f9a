// Compression beyond channels in the studio worker, over core/compress: the singular values of the
// loaded model's factorisable layers (the Rank tab), ranks for a global target (core's allocation),
// the zeros a sparsity setting leaves per layer and output channel (the Sparsity tab), and the
// low-rank + sparse model that validation and export build after pruning and recovery
// (prepare-pruned.ts) — by core's applyPlanCompress, as `prune --plan` does with the version 2 plan
// that Export plan writes. On calibration images (compress-data.ts) as the CLI does: whitened
// spectra and factors (`lowrank --images`), Taylor importance (`sparsify --criterion taylor`) and
// the least-squares refits (`--recover lsq`); the plan records the criterion, not the whitening or
// the refits. Factors and weights stay here; the page gets numbers.
import { inputCovariances } from '../../core/compress/lowrank-data';
import { layerSpectrum } from '../../core/compress/lowrank-factor';
import { lowRankCandidates } from '../../core/compress/lowrank-layers';
import { selectRanks } from '../../core/compress/lowrank-rank';
import { applyPlanCompress, resolveRanks } from '../../core/compress/plan-compress';
import { sparseLayers } from '../../core/compress/sparse-layers';
import { refitSparse } from '../../core/compress/sparse-refit';
import { parsePattern, patternSparsity, sparsifyModel, type SparsePattern } from '../../core/compress/sparsify';
import type { ModelProto } from '../../core/onnx/proto';
import { formatPlan, planWithCompress, type PlanCompress, type PrunePlan } from '../../core/prune/plan';
import { tensorToFloat32 } from '../../core/onnx/tensor';
import { checkpoint, JobError } from '../jobs';
import type { CompressSpec, PlanJsonRequest, Progress, ProgressCallback, RankTargetRequest, SparsityMap, SparsityRequest, SparsitySettings, SpectraRequest, SpectraResult } from '../protocol';
import { calibrationContext, calibrationKey, taylorProvider, unlessCancelled } from './compress-data';
import { learntModel } from './gates';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { prunedModel } from './plan';
import { metricsOf } from './pruning-cache';

/** Per model: plain spectra under "", whitened ones under their calibration key. */
const spectraCache = new WeakMap<LoadedModel, Map<string, SpectraResult>>();

/**
 * Singular values of every factorisable layer, one layer per progress step (cached per model and
 * calibration set). Data-aware: of W·L, C = L·Lᵀ the layer's input covariance on the images — the
 * spectrum whose tail is the output error a rank leaves, so it is what a MACs target ranks by.
 */
export async function layerSpectra(request: SpectraRequest, onProgress?: ProgressCallback): Promise<SpectraResult> {
  const { jobId } = request;
  const loaded = requireLoadedModel();
  const key = request.dataAware ? calibrationKey(request.calibration) || 'none' : '';
  const byKey = spectraCache.get(loaded) ?? new Map<string, SpectraResult>();
  spectraCache.set(loaded, byKey);
  const cached = byKey.get(key);
  if (cached) return cached;
  let whitened: Awaited<ReturnType<typeof inputCovariances>> | undefined;
  let from = 0;
  if (request.dataAware) {
    const ctx = await calibrationContext(loaded, request.calibration, jobId, 'Data-aware low rank', onProgress);
    whitened = await unlessCancelled(ctx, () => inputCovariances(loaded.model, {
      ...ctx, onProgress: (done, total) => onProgress?.({ stage: 'covariance', fraction: 0.1 + 0.5 * (done / Math.max(total, 1)), message: `Input covariances on ${ctx.images} images: layer ${done}/${total}` }),
    }));
    from = 0.6;
  }
  const { candidates, skipped } = lowRankCandidates(loaded.ir);
  const layers: SpectraResult['layers'] = [];
  for (const [i, c] of candidates.entries()) {
    onProgress?.({ stage: 'svd', fraction: from + (1 - from) * (i / candidates.length), message: `SVD of ${c.id} (${i + 1}/${candidates.length})` });
    await checkpoint(jobId);
    const { sigma } = layerSpectrum(c.matrix, c.out, c.in, whitened?.covariances.get(c.id));
    layers.push({ id: c.id, op: c.op, out: c.out, in: c.in, kernel: c.kernel, macs: c.macs, macsPerRank: c.macsPerRank, breakEven: c.breakEven, sigma: Array.from(sigma) });
  }
  const result: SpectraResult = { layers, skipped, modelMacs: metricsOf(loaded).macs, ...(whitened ? { dataAware: true, notWhitened: whitened.skipped } : {}) };
  byKey.set(key, result);
  return result;
}

/** Layer id → rank for an energy or MACs target (over the whitened spectra when data-aware); layers the target leaves dense are not listed. */
export async function rankTarget(request: RankTargetRequest): Promise<Record<string, number>> {
  const { target: _target, ...spectraRequest } = request;
  const spectra = await layerSpectra(spectraRequest);
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

/** Taylor importance of the loaded model's weights, per calibration set (the slider moves often; the importance does not change). */
let lastImportance: { loaded: LoadedModel; key: string; importance: Map<string, Float32Array[]> } | undefined;

/**
 * The loaded model sparsified as asked, measured per layer and per output channel; by Taylor
 * importance and/or refit on the calibration images when asked (the refit keeps every zero, so it
 * changes the layers' output error, which the map reports, not the heatmap).
 */
export async function sparsityMap(request: SparsityRequest, onProgress?: ProgressCallback): Promise<SparsityMap> {
  const loaded = requireLoadedModel();
  const pattern = patternOf(request);
  const taylor = request.criterion === 'taylor';
  const what = taylor ? 'Taylor sparsity' : 'The sparsity refit';
  const ctx = taylor || request.refit ? await calibrationContext(loaded, request.calibration, request.jobId, what, onProgress) : undefined;
  let importance: Map<string, Float32Array[]> | undefined;
  if (ctx && taylor) {
    if (lastImportance?.loaded !== loaded || lastImportance.key !== ctx.key) {
      const weights = sparseLayers(loaded.ir).layers.map((l) => l.weight);
      const provider = taylorProvider(loaded, ctx, (done, total) => onProgress?.({ stage: 'taylor', fraction: 0.1 + 0.4 * (done / Math.max(total, 1)), message: `Taylor importance on ${ctx.images} images: batch ${done}/${total}` }));
      lastImportance = { loaded, key: ctx.key, importance: await unlessCancelled(ctx, () => provider(loaded.model, weights)) };
    }
    importance = lastImportance.importance;
  }
  onProgress?.({ stage: 'sparsify', fraction: 0.5, message: `Sparsifying (${request.pattern}${taylor ? ', Taylor' : ''})` });
  await checkpoint(request.jobId);
  const result = sparsifyModel(loaded.model, { sparsity: patternSparsity(pattern, request.sparsity), pattern, scope: request.scope, importance });
  let refit: Pick<SparsityMap, 'refits' | 'notRefit'> = {};
  if (ctx && request.refit) {
    const r = await unlessCancelled(ctx, () => refitSparse(loaded.model, result.model, result.masks, {
      ...ctx, onProgress: (done, total) => onProgress?.({ stage: 'refit', fraction: 0.5 + 0.4 * (done / Math.max(total, 1)), message: `Refit: input covariances, layer ${done}/${total}` }),
    }));
    refit = { refits: r.refits.map((x) => ({ node: x.node, errorBefore: x.errorBefore, errorAfter: x.errorAfter, applied: x.rowsRefit > 0 })), notRefit: r.skipped };
  }
  const byWeight = new Map(sparseLayers(loaded.ir).layers.map((l) => [l.weight, l]));
  const layers: SparsityMap['layers'] = [];
  let zeros = 0;
  let size = 0;
  for (const [i, r] of result.layers.entries()) {
    if (i % 8 === 0) {
      onProgress?.({ stage: 'measure', fraction: 0.9 + 0.1 * (i / result.layers.length), message: `Measuring ${r.node}` });
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
  return { layers, dense: result.dense, sparsity: size ? zeros / size : 0, ...refit };
}

/**
 * The plan's compression for the Rank and Sparsity tabs' choices on `model` (the pruned one): the
 * ranks it really gets (clamped to the pruned widths, those not below break-even left out: the
 * layer stays dense) and the sparsity settings with their criterion (N:M always per layer). The
 * whitening and the refits are not part of a plan.
 */
export function planCompressOf(model: ModelProto, spec: CompressSpec | undefined): PlanCompress {
  const ranks = spec?.ranks && Object.keys(spec.ranks).length ? resolveRanks(model, spec.ranks).ranks : {};
  const s = spec?.sparsity;
  const pattern = s && patternOf(s);
  return {
    ...(Object.keys(ranks).length ? { lowrank: { ranks } } : {}),
    ...(s && pattern ? { sparsity: { pattern: s.pattern, sparsity: patternSparsity(pattern, s.sparsity), scope: pattern.kind === 'n:m' ? 'layer' : s.scope, criterion: s.criterion ?? 'magnitude' } } : {}),
  };
}

let lastCompressed: { source: ModelProto; key: string; model: ModelProto; plan: PrunePlan; note: string } | undefined;

/**
 * `model` (the pruned, recovered one, made with `plan`) factorised at the spec's ranks, then
 * sparsified (core's applyPlanCompress); `plan` gains the compression (version 2), which the model
 * carries in its metadata. Data-aware factors, Taylor importance and the refits run on the spec's
 * calibration images, on this model. What validation measures and export writes. The last result is
 * reused (validate, then export).
 */
export async function compressModel(model: ModelProto, plan: PrunePlan, spec: CompressSpec, jobId = 0, onProgress?: (p: Progress) => void): Promise<{ model: ModelProto; plan: PrunePlan; note: string }> {
  const full = planWithCompress(plan, planCompressOf(model, spec));
  const lowrank = Object.keys(full.lowrank?.ranks ?? {}).length > 0;
  const whiten = lowrank && !!spec.dataAware;
  const refitFactors = lowrank && !!spec.refitFactors;
  const taylor = full.sparsity?.criterion === 'taylor';
  const refitSparse = !!full.sparsity && !!spec.sparsity?.refit;
  const needsImages = whiten || refitFactors || taylor || refitSparse;
  const key = JSON.stringify([full, whiten, refitFactors, refitSparse, needsImages ? calibrationKey(spec.calibration) : '']);
  if (lastCompressed?.source === model && lastCompressed.key === key) return lastCompressed;
  const what = [whiten && 'Data-aware low rank', refitFactors && 'The low-rank refit', taylor && 'Taylor sparsity', refitSparse && 'The sparsity refit'].filter(Boolean).join(', ');
  const loaded = requireLoadedModel();
  const ctx = needsImages ? await calibrationContext(loaded, spec.calibration, jobId, what, onProgress) : undefined;
  const calibration = ctx && { ...ctx, onProgress: (done: number, total: number) => onProgress?.({ stage: 'compress', fraction: 0.8 + 0.2 * (done / Math.max(total, 1)), message: `Low rank / sparsity on ${ctx.images} images: layer ${done}/${total}` }) };
  let result: Awaited<ReturnType<typeof applyPlanCompress>>;
  try {
    result = await unlessCancelled(ctx, () => applyPlanCompress(model, full, {
      ...(ctx && taylor ? { importance: taylorProvider(loaded, ctx) } : {}),
      ...(calibration ? { beyondPlan: { calibration, whiten, refitFactors, refitSparse } } : {}),
    }));
  } catch (err) {
    if (err instanceof JobError) throw err;
    throw new JobError('refused', `Low rank / sparsity failed: ${(err as Error).message}`, 'Set the named layer back to dense in the Rank tab.');
  }
  lastCompressed = { source: model, key, model: result.model, plan: full, note: compressNote(result, full, ctx?.images ?? 0) };
  return lastCompressed;
}

/** "low rank: 3 layers factorised (their MACs 52.1 % fewer), data-aware, 3 second factors refit; …" */
function compressNote(result: Awaited<ReturnType<typeof applyPlanCompress>>, full: PrunePlan, images: number): string {
  const notes: string[] = [];
  const beyond: string[] = [];
  if (result.lowrank) {
    const { layers, notWhitened, refits } = result.lowrank;
    const before = layers.reduce((a, l) => a + l.macsBefore, 0);
    const after = layers.reduce((a, l) => a + l.macsAfter, 0);
    const whitened = layers.filter((l) => l.dataAware).length;
    notes.push(`low rank: ${layers.length} layer${layers.length === 1 ? '' : 's'} factorised (their MACs ${(100 * (1 - after / Math.max(before, 1))).toFixed(1)} % fewer)`
      + (notWhitened ? `, ${whitened} data-aware` : '') + (refits ? `, ${refits.filter((r) => r.applied).length} second factor${refits.length === 1 ? '' : 's'} refit` : ''));
    if (notWhitened) beyond.push('whitening');
    if (refits) beyond.push('low-rank refit');
  }
  if (result.sparsity && full.sparsity) {
    const sparse = result.sparsity;
    const zeros = sparse.layers.reduce((a, l) => a + l.zeros, 0);
    const size = sparse.layers.reduce((a, l) => a + l.size, 0);
    const kind = full.sparsity.pattern === 'unstructured' ? `unstructured (${full.sparsity.scope})` : full.sparsity.pattern;
    const refit = sparse.refits ? `, ${sparse.refits.filter((r) => r.rowsRefit > 0).length} layers refit` : '';
    notes.push(`${kind} sparsity${full.sparsity.criterion === 'taylor' ? ' by Taylor' : ''}: ${((100 * zeros) / Math.max(size, 1)).toFixed(1)} % zeros in ${sparse.layers.length} layers${sparse.dense.length ? `, ${sparse.dense.length} dense` : ''}${refit}`);
    if (sparse.refits) beyond.push('sparsity refit');
  }
  if (images) notes.push(`on ${images} calibration images${beyond.length ? ` (${beyond.join(', ')}: not in the plan)` : ''}`);
  return notes.join('; ');
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
