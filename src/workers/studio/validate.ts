// Validation: original vs pruned on the chosen images with runtime/evaluate (accuracy, agreement,
// KL, latency, speedup, per-image predictions) — the pruned model recovered as export would
// recover it (prepare-pruned.ts) — plus the preprocessing defaults and preview. The images as the model
// reads them and the unpruned model's runs on them are reused from the previous validation on the
// same images (reference-cache.ts).
import { maskFromPixels } from '../../core/images/label-mask';
import { preprocessImage } from '../../core/images/preprocess';
import { evaluate } from '../../runtime/evaluate';
import { decodeImageBlob } from '../../runtime/web-images';
import type { ImageInput, PreprocessSpec, PreviewImage, PreviewRequest, ProgressCallback, ValidateRequest, ValidationReport } from '../protocol';
import { abortedJobError, checkpointIfDue, jobAbortSignal, JobError } from '../jobs';
import { presetsFor, sampleToRgba } from './images';
import { requireLoadedModel, runnableBytes } from './loaded-model';
import { modelBytes } from './plan';
import { preparePruned } from './prepare-pruned';
import { referenceCacheFor } from './reference-cache';
import { workerWasmThreads } from './pruning-cache';
import { taskOverridesOf } from './output-tasks';

/** Preprocessing inferred from the model, and the presets. */
export function preprocessDefaults(): { inferred: PreprocessSpec; presets: PreprocessSpec[] } {
  return presetsFor(requireLoadedModel());
}

/** The preprocessed tensor drawn back as an image. */
export async function previewPreprocess(request: PreviewRequest): Promise<PreviewImage> {
  const pixels = await decodeImageBlob(new Blob([request.image.bytes]), request.image.name);
  const sample = preprocessImage(pixels, request.preprocess);
  const { rgba, min, max } = sampleToRgba(sample, request.preprocess);
  return { width: request.preprocess.width, height: request.preprocess.height, rgba, min, max };
}

/** An image as evaluate reads it: decoded on demand, with its label mask when it has one. */
function evaluatedImage(img: ImageInput) {
  const mask = img.mask;
  return {
    name: img.name, label: img.label, load: () => decodeImageBlob(new Blob([img.bytes]), img.name),
    ...(mask ? { mask: async () => maskFromPixels(await decodeImageBlob(new Blob([mask]), `${img.name} (mask)`), `${img.name} (mask)`) } : {}),
  };
}

/** Runs original and pruned models on the images and compares them. */
export async function validate(request: ValidateRequest, onProgress?: ProgressCallback): Promise<ValidationReport> {
  const loaded = requireLoadedModel();
  const { jobId, images, backend } = request;
  if (images.length === 0) throw new JobError('internal', 'No images to validate on.', 'Use the bundled samples or upload images first.');
  const recovery = request.recovery ?? 'none';
  onProgress?.({ stage: 'prune', fraction: 0, message: 'Building the pruned model' });
  // Recovery gets the first 40 % of the bar when it runs (it is most of the work on small models).
  const runFrom = recovery === 'none' ? 0.05 : 0.4;
  const pruned = await preparePruned(loaded, { ...request, recovery }, onProgress, 0, runFrom);
  const { preset: _preset, ...spec } = request.preprocess;
  const signal = jobAbortSignal(jobId);
  const referenceCache = await referenceCacheFor(loaded, images, spec, backend);
  onProgress?.({ stage: 'run', fraction: runFrom, message: `Starting ${backend} sessions` });
  let result: Awaited<ReturnType<typeof evaluate>>;
  try {
    result = await evaluate({
      model: modelBytes(loaded, pruned.model), reference: runnableBytes(loaded), images: images.map(evaluatedImage),
      preprocess: spec, backend, batchSize: 1, signal, tasks: taskOverridesOf(loaded), threads: workerWasmThreads(), referenceCache,
      // The runs never yield to the worker's message loop: each image is a checkpoint.
      beforeBatch: () => checkpointIfDue(jobId),
      onProgress: ({ done, total }) => {
        if (done % 8 === 0 || done === total) onProgress?.({ stage: 'run', fraction: runFrom + (1 - runFrom) * (done / total), message: `Compared ${done}/${total} images` });
      },
    });
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    throw err;
  }
  // Against label masks the unpruned model has a score of its own (against its own masks it would be 100 %).
  const masked = images.filter((img) => img.mask);
  let originalOutputs: ValidationReport['originalOutputs'];
  if (masked.length && result.outputs?.some((o) => o.kind === 'segmentation')) {
    onProgress?.({ stage: 'run', fraction: 0.99, message: `Scoring the unpruned model on ${masked.length} label masks` });
    const original = await evaluate({
      model: runnableBytes(loaded), images: masked.map(evaluatedImage), preprocess: spec, backend, batchSize: 1, signal,
      tasks: taskOverridesOf(loaded), threads: workerWasmThreads(), beforeBatch: () => checkpointIfDue(jobId),
    }).catch((err: unknown) => {
      if (signal.aborted) throw abortedJobError();
      throw err;
    });
    originalOutputs = original.outputs;
  }
  const origMs = result.referenceLatencyMs?.median ?? result.latencyMs.median;
  return {
    original: { accuracy: result.referenceAccuracy, latencyMs: origMs },
    pruned: {
      accuracy: result.accuracy, agreement: result.agreement ?? result.pixelAgreement ?? 0, top5Agreement: result.top5Agreement,
      kl: result.kl ?? 0, cosine: result.cosine, latencyMs: result.latencyMs.median, speedup: result.speedup ?? 1,
    },
    perImage: result.perImage.map((r) => ({ name: r.name, label: r.label, original: r.referenceTop1 ?? -1, pruned: r.top1 ?? -1 })),
    backend: result.backend,
    ...(result.threads !== undefined ? { threads: result.threads } : {}),
    ...(result.fallbackReason ? { fallbackReason: result.fallbackReason } : {}),
    recovery,
    ...(pruned.recoveryNote ? { recoveryNote: pruned.recoveryNote } : {}),
    ...(pruned.compressNote ? { compressNote: pruned.compressNote } : {}),
    outputs: result.outputs,
    ...(originalOutputs ? { originalOutputs } : {}),
  };
}
