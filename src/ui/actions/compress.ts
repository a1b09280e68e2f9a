// The Rank and Sparsity tabs' worker calls (studio/compress.ts in the worker): layer spectra, ranks
// for a global target, the sparsity map; and the spec that Validate and Export send so the model
// they build is factorised and sparsified as these tabs say.
import { isAborted } from '../../workers/client/studio-error';
import type { PlanCompress } from '../../core/prune/plan';
import type { CompressSpec } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { proxyProgress } from './transfer';

export { compressSuffix } from '../panels/compress-format';

const s = () => useStudio.getState();

/** What validation and export apply after pruning: the chosen ranks, and sparsity when enabled. */
export function currentCompress(): CompressSpec | undefined {
  const { ranks, sparsity } = s();
  const { enabled, ...settings } = sparsity;
  const spec: CompressSpec = {
    ...(Object.keys(ranks).length ? { ranks } : {}),
    ...(enabled ? { sparsity: settings } : {}),
  };
  return spec.ranks || spec.sparsity ? spec : undefined;
}

/**
 * Puts an imported version 2 plan's low rank and sparsity into the Rank and Sparsity tabs (the plan
 * is the whole choice: layers it does not list go dense, no `sparsity` turns sparsity off); says
 * what it set ("" when nothing), and what the studio cannot do (taylor: it sparsifies by magnitude).
 */
export function importCompress(compress: PlanCompress): string {
  const known = s().spectra && new Set(s().spectra!.layers.map((l) => l.id));
  const ranks = Object.fromEntries(Object.entries(compress.lowrank?.ranks ?? {}).filter(([id]) => !known || known.has(id)));
  const ignored = Object.keys(compress.lowrank?.ranks ?? {}).length - Object.keys(ranks).length;
  s().setRanks(ranks);
  const sp = compress.sparsity;
  s().setSparsity(sp ? { enabled: true, pattern: sp.pattern, sparsity: sp.sparsity, scope: sp.scope } : { enabled: false });
  if (sp) scheduleSparsityMap();
  const n = Object.keys(ranks).length;
  const parts = [
    n ? `ranks of ${n} layer${n === 1 ? '' : 's'}` : '',
    ignored ? `${ignored} rank(s) of layers not in this model ignored` : '',
    sp ? `${sp.pattern === 'unstructured' ? `${Math.round(sp.sparsity * 100)} % unstructured (${sp.scope})` : sp.pattern} sparsity${sp.criterion === 'taylor' ? ' (by magnitude: the studio has no Taylor sparsity; `prune --plan --images` replays taylor)' : ''}` : '',
  ].filter(Boolean);
  return parts.length ? `Rank and Sparsity tabs: ${parts.join('; ')}.` : 'Rank and Sparsity tabs: all dense, sparsity off.';
}

/** Singular values of the factorisable layers (once per model; progress and Cancel in the Rank tab). */
export async function loadSpectra(): Promise<void> {
  if (s().spectra || s().spectraProgress) return;
  const job = jobs.start('spectra');
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setSpectra']>[0]) => s().setSpectra(patch));
  try {
    show({ progress: { stage: 'start', fraction: 0, message: 'Singular values of the layers' } });
    const spectra = await studioClient().call((api, jobId) => api.layerSpectra({ jobId }, proxyProgress((p) => show({ progress: p }))), job.signal);
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
    const ranks = await studioClient().call((api, jobId) => api.rankTarget({ jobId, target }), job.signal);
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
    show({ progress: { stage: 'start', fraction: 0, message: 'Sparsifying' } });
    const map = await studioClient().call((api, jobId) => api.sparsityMap({ jobId, ...settings }, proxyProgress((p) => show({ progress: p }))), job.signal);
    show({ map });
  } catch (err) {
    if (job.isCurrent()) s().setSparsityMap({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}
