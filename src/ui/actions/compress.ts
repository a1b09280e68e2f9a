// The Rank and Sparsity tabs' worker calls (studio/compress.ts in the worker): layer spectra, ranks
// for a global target, the sparsity map; and the spec that Validate and Export send so the model
// they build is factorised and sparsified as these tabs say.
import { isAborted } from '../../workers/client/studio-error';
import type { PlanCompress } from '../../core/prune/plan';
import type { CompressCalibration, CompressSpec } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import type { StudioState } from '../store/types';
import { errorText } from './errors';
import { jobs } from './jobs';
import { calibrationImages } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

export { compressSuffix } from '../panels/compress-format';

const s = () => useStudio.getState();

/** Images the worker reads at most for calibration (RECOVERY_IMAGES in the worker). */
const CALIBRATION_IMAGES = 256;

/**
 * Whether calibration images are chosen: the Validate tab's images and preprocessing. Without them
 * the data options (data-aware, Taylor, refits) are off, and the tabs say where to choose images.
 */
export function hasCalibration(state: Pick<StudioState, 'validationImages' | 'preprocess'> = s()): boolean {
  return state.validationImages.length > 0 && !!state.preprocess;
}

/** The data options as they apply now (all off without calibration images). */
export function effectiveCompressOptions(state: Pick<StudioState, 'validationImages' | 'preprocess' | 'rankData' | 'sparsity'> = s()) {
  const data = hasCalibration(state);
  return {
    dataAware: data && state.rankData.dataAware,
    refitFactors: data && state.rankData.refit,
    criterion: data ? state.sparsity.criterion : 'magnitude' as const,
    refitSparse: data && state.sparsity.refit,
  };
}

/**
 * The calibration images: the user's own when they chose their images in Validate (they match their
 * model, as for the data criteria), else the bundled calibration set — not the bundled test images
 * that validation measures on.
 */
export async function compressCalibration(): Promise<CompressCalibration | undefined> {
  const { validationImages, imagesSource, preprocess } = s();
  if (!hasCalibration() || !preprocess) return undefined;
  const uploaded = !imagesSource?.startsWith('bundled');
  const images = uploaded ? validationImages : await calibrationImages();
  return { images: await toImageInputs(images.slice(0, CALIBRATION_IMAGES)), preprocess };
}

/** What validation and export apply after pruning: the chosen ranks, and sparsity when enabled (no images: see compressRequest). */
export function currentCompress(): CompressSpec | undefined {
  const { ranks, sparsity } = s();
  const { enabled, refit: _refit, ...settings } = sparsity;
  const o = effectiveCompressOptions();
  const lowrank = Object.keys(ranks).length > 0;
  const spec: CompressSpec = {
    ...(lowrank ? { ranks, ...(o.dataAware ? { dataAware: true } : {}), ...(o.refitFactors ? { refitFactors: true } : {}) } : {}),
    ...(enabled ? { sparsity: { ...settings, criterion: o.criterion, ...(o.refitSparse ? { refit: true } : {}) } } : {}),
  };
  return spec.ranks || spec.sparsity ? spec : undefined;
}

/** currentCompress with the calibration images when its options need them (Validate, Export). */
export async function compressRequest(): Promise<CompressSpec | undefined> {
  const spec = currentCompress();
  const needs = spec && (spec.dataAware || spec.refitFactors || spec.sparsity?.criterion === 'taylor' || spec.sparsity?.refit);
  const calibration = needs ? await compressCalibration() : undefined;
  return spec && calibration ? { ...spec, calibration } : spec;
}

/**
 * Puts an imported version 2 plan's low rank and sparsity into the Rank and Sparsity tabs (the plan
 * is the whole choice: layers it does not list go dense, no `sparsity` turns sparsity off, and the
 * whitening and refits, which plans do not record, go off); says what it set.
 */
export function importCompress(compress: PlanCompress): string {
  const known = s().spectra && new Set(s().spectra!.layers.map((l) => l.id));
  const ranks = Object.fromEntries(Object.entries(compress.lowrank?.ranks ?? {}).filter(([id]) => !known || known.has(id)));
  const ignored = Object.keys(compress.lowrank?.ranks ?? {}).length - Object.keys(ranks).length;
  s().setRanks(ranks);
  const sp = compress.sparsity;
  // A plan replays without whitening or refits (it does not record them): import it as that.
  s().setRankData({ dataAware: false, refit: false });
  s().setSparsity(sp ? { enabled: true, pattern: sp.pattern, sparsity: sp.sparsity, scope: sp.scope, criterion: sp.criterion, refit: false } : { enabled: false, refit: false });
  if (sp) scheduleSparsityMap();
  void loadSpectra();
  const n = Object.keys(ranks).length;
  const parts = [
    n ? `ranks of ${n} layer${n === 1 ? '' : 's'}` : '',
    ignored ? `${ignored} rank(s) of layers not in this model ignored` : '',
    sp ? `${sp.pattern === 'unstructured' ? `${Math.round(sp.sparsity * 100)} % unstructured (${sp.scope})` : sp.pattern} sparsity${sp.criterion === 'taylor' ? (hasCalibration() ? ' by Taylor' : ' by Taylor (choose images in the Validate tab; until then by magnitude)') : ''}` : '',
  ].filter(Boolean);
  return parts.length ? `Rank and Sparsity tabs: ${parts.join('; ')}.` : 'Rank and Sparsity tabs: all dense, sparsity off.';
}

/**
 * What spectra were computed from: the data-aware choice and, when whitened, the calibration images
 * and preprocessing. Compared by identity: the store replaces both on every change, so choosing
 * other images in the Validate tab makes whitened spectra stale (the worker's cache, keyed by the
 * images' names and sizes, answers at once when the same set comes back).
 */
export interface SpectraSource {
  dataAware: boolean;
  images?: unknown;
  preprocess?: unknown;
}

/** The source spectra should have now (images only matter when whitened). */
export function spectraSource(state: Pick<StudioState, 'validationImages' | 'preprocess' | 'rankData' | 'sparsity'> = s()): SpectraSource {
  const { dataAware } = effectiveCompressOptions(state);
  return dataAware ? { dataAware, images: state.validationImages, preprocess: state.preprocess } : { dataAware };
}

const sameSource = (a: SpectraSource | undefined, b: SpectraSource) =>
  !!a && a.dataAware === b.dataAware && a.images === b.images && a.preprocess === b.preprocess;

/** The source of the spectra in the store, and of the run in flight. */
let shownFrom: SpectraSource | undefined;
let loadingFrom: SpectraSource | undefined;

/**
 * Singular values of the factorisable layers, whitened when data-aware (once per model and choice
 * in the worker; progress and Cancel in the Rank tab). Reloads when the data-aware choice changes,
 * and, when data-aware, when the calibration images or preprocessing change (a run for the old
 * images is replaced).
 */
export async function loadSpectra(): Promise<void> {
  const want = spectraSource();
  const { dataAware } = want;
  if (s().spectraProgress ? sameSource(loadingFrom, want) : s().spectra && sameSource(shownFrom, want)) return;
  const job = jobs.start('spectra');
  loadingFrom = want;
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setSpectra']>[0]) => s().setSpectra(patch));
  try {
    show({ progress: { stage: 'start', fraction: 0, message: dataAware ? 'Whitened singular values of the layers' : 'Singular values of the layers' } });
    const calibration = dataAware ? await compressCalibration() : undefined;
    const spectra = await studioClient().call((api, jobId) => api.layerSpectra(transferImages({ jobId, dataAware, ...(calibration ? { calibration } : {}) }), proxyProgress((p) => show({ progress: p }))), job.signal);
    if (job.isLive()) shownFrom = want;
    show({ spectra });
  } catch (err) {
    if (job.isCurrent()) s().setSpectra({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}

/** Sets every layer's rank from the global control (energy per layer, or the model's MACs). */
export async function applyRankTarget(): Promise<void> {
  const job = jobs.start('rank-target');
  try {
    const { kind, value } = s().rankTarget;
    const target = kind === 'energy' ? { kind, energy: value } : { kind, fraction: value };
    // Over the spectra shown: whitened ones when data-aware (the worker has them cached).
    const { dataAware } = effectiveCompressOptions();
    const calibration = dataAware ? await compressCalibration() : undefined;
    const ranks = await studioClient().call((api, jobId) => api.rankTarget(transferImages({ jobId, target, dataAware, ...(calibration ? { calibration } : {}) })), job.signal);
    if (job.isLive()) s().setRanks(ranks);
  } catch (err) {
    if (job.isCurrent() && !isAborted(err)) s().setRankTarget({}, errorText(err));
  } finally {
    jobs.finish(job);
  }
}

let mapTimer: ReturnType<typeof setTimeout> | undefined;

/** Recomputes the sparsity map after `delayMs` of quiet (the sparsity slider sends many changes). */
export function scheduleSparsityMap(delayMs = 150): void {
  clearTimeout(mapTimer);
  mapTimer = setTimeout(() => void runSparsityMap(), delayMs);
}

async function runSparsityMap(): Promise<void> {
  const job = jobs.start('sparsity');
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setSparsityMap']>[0]) => s().setSparsityMap(patch));
  try {
    const { enabled: _enabled, ...settings } = s().sparsity;
    const { criterion, refitSparse } = effectiveCompressOptions();
    show({ progress: { stage: 'start', fraction: 0, message: 'Sparsifying' } });
    const calibration = criterion === 'taylor' || refitSparse ? await compressCalibration() : undefined;
    const map = await studioClient().call((api, jobId) => api.sparsityMap(transferImages({ jobId, ...settings, criterion, refit: refitSparse, ...(calibration ? { calibration } : {}) }), proxyProgress((p) => show({ progress: p }))), job.signal);
    show({ map });
  } catch (err) {
    if (job.isCurrent()) s().setSparsityMap({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}
