// The pruning panels' worker calls. Each kind of job keeps one AbortController: a newer request
// cancels the older one in the worker (so dragging a slider never queues stale work).
import * as Comlink from 'comlink';
import { isAborted, StudioError } from '../../workers/client/studio-error';
import type { ExportResult, ImageInput, PlanInput, Progress, RecoveryMethod, SensitivityRequest } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import type { ValidationImage } from '../store/validation-slice';
import { useStudio } from '../store/store';

const controllers = new Map<string, AbortController>();

/** Starts a job of `kind`, cancelling the previous one of that kind. */
function startJob(kind: string): AbortController {
  controllers.get(kind)?.abort();
  const controller = new AbortController();
  controllers.set(kind, controller);
  return controller;
}

/** Cancels the job of `kind` in flight, if any. */
export function cancelJob(kind: 'score' | 'sensitivity' | 'validate' | 'export'): void {
  controllers.get(kind)?.abort();
}

/** User-facing text of a failed call: message and what to do. */
export function errorText(err: unknown): string {
  if (err instanceof StudioError) return err.hint ? `${err.message} ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

const s = () => useStudio.getState();

/** The plan as the worker wants it. */
export function currentPlan(): PlanInput {
  const { ratios, roundTo, criterion } = s();
  return { ratios, roundTo, criterion };
}

/** Blobs read per step: starting 300 reads at once cost a 118 ms main-thread task (measured in e2e). */
const READ_CHUNK = 24;

/** Reads Blobs into transferable ImageInputs (fresh buffers per call: transfers detach them), a chunk per task. */
export async function toImageInputs(images: readonly ValidationImage[]): Promise<ImageInput[]> {
  const out: ImageInput[] = [];
  for (let i = 0; i < images.length; i += READ_CHUNK) {
    const chunk = images.slice(i, i + READ_CHUNK);
    out.push(...(await Promise.all(chunk.map(async (img) => ({ name: img.name, bytes: await img.blob.arrayBuffer(), label: img.label })))));
  }
  return out;
}

/** After a model loads: its groups, criteria and preprocessing defaults, then the scores. */
export async function analyseModel(): Promise<void> {
  const client = studioClient();
  const hash = s().summary?.modelHash;
  try {
    const [groups, criteria] = await Promise.all([
      client.call((api, jobId) => api.listGroups({ jobId })),
      client.call((api, jobId) => api.listCriteria({ jobId })),
    ]);
    if (s().summary?.modelHash !== hash) return;
    s().setGroups(groups);
    s().setCriteria(criteria);
    // Show a heatmap straight away (the first prunable group), without moving the graph.
    const first = groups.find((g) => g.prunable);
    if (first && !s().selectedGroupId) useStudio.setState({ selectedGroupId: first.id });
  } catch (err) {
    if (s().summary?.modelHash === hash) s().setGroups(undefined, errorText(err));
    return;
  }
  void loadPreprocessDefaults();
  void scoreChannels();
}

async function loadPreprocessDefaults(): Promise<void> {
  try {
    const { inferred, presets } = await studioClient().call((api, jobId) => api.preprocessDefaults({ jobId }));
    s().setPreprocessDefaults(inferred, presets);
  } catch (err) {
    s().setValidation({ error: errorText(err) });
  }
}

/** Scores every group with the current criterion (data criteria run on the calibration images). */
export async function scoreChannels(): Promise<void> {
  const controller = startJob('score');
  const { criterion, criteria, preprocess } = s();
  const needsImages = criteria.find((c) => c.id === criterion)?.needsImages ?? false;
  s().setScoring({ stage: 'score', fraction: 0, message: `Scoring channels (${criterion})` });
  try {
    const images = needsImages ? await toImageInputs(await scoringImages()) : undefined;
    const scores = await studioClient().call(
      (api, jobId) => api.scoreGroups(transferImages({ jobId, criterion, images, preprocess }), proxyProgress((p) => s().setScoring(p))),
      controller.signal,
    );
    if (!controller.signal.aborted) s().setScores(scores);
  } catch (err) {
    if (!isAborted(err)) s().setScores(undefined, errorText(err));
    else if (controllers.get('score') === controller) s().setScoring(undefined);
  }
}

let costTimer: ReturnType<typeof setTimeout> | undefined;

/** Recomputes params/MACs/bytes after `delayMs` of quiet (slider drags send many changes). */
export function scheduleCost(delayMs = 120): void {
  clearTimeout(costTimer);
  if (!s().costPending) s().setCostPending(true);
  costTimer = setTimeout(() => void refreshCost(), delayMs);
}

async function refreshCost(): Promise<void> {
  if (!s().groups) return s().setCostPending(false);
  const controller = startJob('cost');
  try {
    const plan = currentPlan();
    const cost = await studioClient().call((api, jobId) => api.planCost({ jobId, ...plan }), controller.signal);
    if (!controller.signal.aborted) s().setCost(cost);
  } catch (err) {
    if (!isAborted(err)) s().setCost(undefined, errorText(err));
  }
}

/** Runs the global control and records the result as one undo step. */
export async function applyGlobal(): Promise<void> {
  const { globalMode, globalTarget, locked, ratios, roundTo, criterion } = s();
  const lockedRatios = Object.fromEntries(Object.keys(locked).map((id) => [id, ratios[id] ?? 0]));
  try {
    const next = await studioClient().call((api, jobId) =>
      api.globalPlan({ jobId, mode: globalMode, target: globalTarget, locked: lockedRatios, roundTo, criterion }));
    s().applyRatios({ ...next, ...lockedRatios });
  } catch (err) {
    s().setCost(s().cost, errorText(err));
  }
}

/** Sensitivity analysis over `ratios` on the validation (or calibration) images. */
export async function runSensitivity(ratios: number[]): Promise<void> {
  const controller = startJob('sensitivity');
  const { criterion, preprocess } = s();
  if (!preprocess) return s().setSensitivity({ error: 'Preprocessing is not known yet: open the Validate tab to choose it.' });
  s().setSensitivity({ progress: { stage: 'start', fraction: 0, message: 'Preparing images' } });
  try {
    const images = await toImageInputs(s().validationImages.length ? s().validationImages : await calibrationImages());
    const request: Omit<SensitivityRequest, 'jobId'> = { criterion, ratios, images, preprocess };
    const result = await studioClient().call(
      (api, jobId) => api.sensitivity(transferImages({ jobId, ...request }), proxyProgress((p) => s().setSensitivity({ progress: p }))),
      controller.signal,
    );
    s().setSensitivity({ result });
  } catch (err) {
    s().setSensitivity({ error: isAborted(err) ? 'Cancelled.' : errorText(err) });
  }
}

/** Original vs pruned on the chosen images, on the chosen backend. */
export async function runValidation(): Promise<void> {
  const controller = startJob('validate');
  const { preprocess, backend, validationImages, recovery } = s();
  if (!preprocess) return s().setValidation({ error: 'Choose a preprocessing preset first.' });
  if (validationImages.length === 0) return s().setValidation({ error: 'Choose images first: use the bundled samples or upload some.' });
  s().setValidation({ progress: { stage: 'start', fraction: 0, message: 'Reading images' } });
  try {
    const images = await toImageInputs(validationImages);
    const plan = currentPlan();
    // Validate what export would write: the same recovery, on the same bundled calibration images.
    const calibration = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
    const report = await studioClient().call(
      (api, jobId) => api.validate(transferImages({ jobId, images, preprocess, backend, plan, recovery, calibration }), proxyProgress((p) => s().setValidation({ progress: p }))),
      controller.signal,
    );
    s().setValidation({ report });
  } catch (err) {
    s().setValidation({ error: isAborted(err) ? 'Cancelled.' : errorText(err) });
  }
}

/** Moves the request's image buffers to the worker instead of copying them (they are read per call). */
function transferImages<T extends { images?: ImageInput[]; calibration?: ImageInput[] }>(request: T): T {
  const buffers = [...(request.images ?? []), ...(request.calibration ?? [])].map((i) => i.bytes);
  return Comlink.transfer(request, buffers);
}

// Progress callbacks must be Comlink proxies: `call` hands them straight to the remote api.
function proxyProgress(fn: (p: Progress) => void): (p: Progress) => void {
  return Comlink.proxy(fn);
}

/** Images for data criteria: the user's own when they uploaded some (they match their model), else the bundled calibration set. */
async function scoringImages(): Promise<ValidationImage[]> {
  const { validationImages, imagesSource } = s();
  const uploaded = validationImages.length > 0 && !imagesSource?.startsWith('bundled');
  return uploaded ? validationImages : calibrationImages();
}

let calibrationCache: Promise<ValidationImage[]> | undefined;

/** The bundled calibration images (unlabelled), fetched once. */
export function calibrationImages(): Promise<ValidationImage[]> {
  calibrationCache ??= fetchSampleSet('calibration').catch((err: unknown) => {
    calibrationCache = undefined;
    throw err;
  });
  return calibrationCache;
}

interface SampleIndex {
  classNames: string[];
  test: { file: string; label: number }[];
  calibration: { file: string }[];
}

const SAMPLES = `${import.meta.env.BASE_URL}samples/`;

/** Fetches a bundled sample set (public/samples/index.json), a few requests at a time. */
export async function fetchSampleSet(set: 'test' | 'calibration'): Promise<ValidationImage[]> {
  const response = await fetch(`${SAMPLES}index.json`);
  if (!response.ok) throw new Error(`The bundled samples are missing (${SAMPLES}index.json: HTTP ${response.status}).`);
  const index = (await response.json()) as SampleIndex;
  const entries: { file: string; label?: number }[] = index[set];
  const out: ValidationImage[] = new Array(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const entry = entries[i]!;
      const r = await fetch(SAMPLES + entry.file);
      if (!r.ok) throw new Error(`Missing sample ${entry.file} (HTTP ${r.status}).`);
      out[i] = { name: entry.file, blob: await r.blob(), label: entry.label };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** Bundled class names (samples/index.json), used when the model card has none. */
export async function sampleClassNames(): Promise<string[]> {
  const response = await fetch(`${SAMPLES}index.json`);
  return response.ok ? ((await response.json()) as SampleIndex).classNames : [];
}

/** "fmnist-resnet14.onnx" + 50 → "fmnist-resnet14.pruned-50.onnx". */
export function prunedFileName(fileName: string, percent: number): string {
  const base = fileName.replace(/\.onnx$/i, '');
  return `${base}.pruned-${Math.round(percent)}.onnx`;
}

/** The plan's headline ratio in percent: the mean ratio over the prunable groups. */
export function headlinePercent(): number {
  const { groups, ratios } = s();
  const ids = (groups ?? []).filter((g) => g.prunable).map((g) => g.id);
  if (ids.length === 0) return 0;
  return (100 * ids.reduce((sum, id) => sum + (ratios[id] ?? 0), 0)) / ids.length;
}

/** Prunes (and optionally recovers) in the worker; resolves to the result or undefined when cancelled. */
export async function exportPrunedModel(recovery: RecoveryMethod, onProgress: (p: Progress) => void): Promise<ExportResult | undefined> {
  const controller = startJob('export');
  const plan = currentPlan();
  const preprocess = s().preprocess;
  const calibration = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
  try {
    return await studioClient().call(
      (api, jobId) => api.exportPruned(transferImages({ jobId, plan, recovery, calibration, preprocess }), proxyProgress(onProgress)),
      controller.signal,
    );
  } catch (err) {
    if (isAborted(err)) return undefined;
    throw err;
  }
}

/** Saves bytes as a download with `fileName`. */
export function downloadBytes(bytes: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
