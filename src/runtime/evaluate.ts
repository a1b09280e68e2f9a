// Evaluates a (pruned) model on images, optionally against the original on the same images and
// backend: accuracy, agreement, KL, cosine, pixel agreement and warm per-image latency of both, and
// for every graph output the metrics of its task kind (class agreement, MSE/PSNR, pixel accuracy/mIoU).
// The preprocessed images and the reference's outputs and timings can be kept in a ReferenceCache and
// reused by later evaluations on the same images (a sweep validates many pruned models against one
// unpruned model: decoding the images and running the reference were most of each point's time).
import { decodeModel } from '../core/onnx/codec.js';
import { buildGraph } from '../core/graph/ir.js';
import { declaredInfo, inferShapes } from '../core/graph/shapes.js';
import { imageInput } from '../core/images/image-input.js';
import { fixedBatchSize, preprocessImage, stackBatch, type PixelImage, type PreprocessSpec } from '../core/images/preprocess.js';
import { inferPreprocess, presetPreprocess } from '../core/images/presets.js';
import { maskTargets, type LabelMask } from '../core/images/label-mask.js';
import {
  addAgreementBatch,
  createAgreement,
  summarizeAgreement,
  summarizeLatency,
  type AgreementSummary,
  type ImageAgreement,
  type LatencySummary,
} from '../core/metrics/agreement.js';
import { addOutputBatch, createOutputMetrics, summarizeOutputMetrics, type OutputMetricsSummary } from '../core/metrics/dense-metrics.js';
import { resolveTasks, type TaskKind } from '../core/score/loss-task.js';
import { throwIfAborted } from './ort-wrap.js';
import { createSession, type BackendName, type Float32Tensor, type InferenceSession } from './session.js';

/** One image to evaluate on; `load` decodes it only when its batch comes up. */
export interface EvalImage {
  name: string;
  label?: number;
  load(): PixelImage | Promise<PixelImage>;
  /** Its segmentation label mask, when it has one (segmentation outputs are then scored against it). */
  mask?: () => LabelMask | Promise<LabelMask>;
}

export interface EvaluateOptions {
  model: Uint8Array;
  /** The original model: enables agreement, KL, cosine, pixel agreement and speedup. */
  reference?: Uint8Array;
  images: readonly EvalImage[];
  /** A spec, a preset name ("unit", "grayscale-unit", "imagenet"), or undefined for inferPreprocess(). */
  preprocess?: PreprocessSpec | string;
  backend?: BackendName;
  threads?: number;
  /** Images per run (default 1, so each timing is one image's latency); a fixed batch dim of the model wins. */
  batchSize?: number;
  /** Output to compare (default: the model's first output). */
  outputName?: string;
  /** Task kind per output name, replacing the one detected from its shape (see loss-task.ts). */
  tasks?: Readonly<Record<string, TaskKind>>;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Awaited before each batch: the caller's chance to yield and cancel (cached images load nothing). */
  beforeBatch?: () => Promise<void>;
  /**
   * Where the reference's runs are kept between evaluations: reused when they were recorded on the
   * same backend and batching, filled otherwise. The owner keys it by reference model, images (and
   * their masks) and preprocessing (evaluate cannot tell whether those changed).
   */
  referenceCache?: ReferenceCache;
}

/** Every batch of the images, in order: its input and label masks, the reference's outputs and run time. */
export interface ReferenceRuns {
  backend: string;
  batchSize: number;
  outputNames: readonly string[];
  batches: { input: Float32Tensor; masks: (LabelMask | undefined)[]; outputs: Record<string, Float32Tensor> }[];
}

export interface ReferenceCache {
  runs?: ReferenceRuns;
  /** Runs whose inputs, masks and outputs total more bytes are not kept (large images, dense outputs); default 256 MiB. */
  maxBytes?: number;
}

const REFERENCE_CACHE_BYTES = 256 * 2 ** 20;

/**
 * With its outputs taken from the cache, the reference still runs beside the model on this many
 * batches (spread over the evaluation) to time it: a latency kept from an earlier validation is not
 * comparable, because V8 tiers WebAssembly up while the page runs (an unpruned fixture once read as
 * "5.00× faster" than itself, its cached latency measured before the tier-up).
 */
export const REFERENCE_TIMED_BATCHES = 16;

/** The cached runs when they answer this evaluation: same backend, batching, image count and output. */
function reusableRuns(cache: ReferenceCache | undefined, backend: string, batchSize: number, batches: number, outputName?: string): ReferenceRuns | undefined {
  const runs = cache?.runs;
  if (!runs || runs.backend !== backend || runs.batchSize !== batchSize || runs.batches.length !== batches) return undefined;
  return outputName === undefined || outputName in runs.batches[0]!.outputs ? runs : undefined;
}

export interface PerImageResult extends ImageAgreement {
  name: string;
  latencyMs: number;
  referenceLatencyMs?: number;
}

export interface EvaluationResult extends AgreementSummary {
  backend: string;
  fallbackReason?: string;
  /** Threads the backend ran with, when known (WASM). */
  threads?: number;
  preprocess: PreprocessSpec;
  latencyMs: LatencySummary;
  referenceLatencyMs?: LatencySummary;
  /** Reference median latency / model median latency (> 1: the model is faster). */
  speedup?: number;
  perImage: PerImageResult[];
  /** Every graph output in model order: its task kind and that kind's metrics. */
  outputs: OutputMetricsSummary[];
}

/** Task kind of every graph output of the model: detected from shape and producer, then `overrides`. */
export function outputTasks(bytes: Uint8Array, overrides?: Readonly<Record<string, TaskKind>>): Map<string, TaskKind> {
  const ir = buildGraph(decodeModel(bytes));
  return resolveTasks(ir, inferShapes(ir), overrides);
}

/** The first real input (not an initializer) of a model: its name and declared shape. */
export function modelInput(bytes: Uint8Array, source = 'the model'): { name: string; shape: (number | string)[] } {
  const model = decodeModel(bytes, source);
  const input = imageInput(model.graph!, source);
  const shape = declaredInfo(input)?.shape;
  if (!shape) throw new Error(`${source}: input "${input.name}" declares no shape; cannot derive image preprocessing (pass an explicit spec)`);
  return { name: input.name, shape };
}

async function timedRun(session: InferenceSession, input: Float32Tensor, output: string, signal?: AbortSignal) {
  const t0 = performance.now();
  const result = await session.run({ [session.inputNames[0]!]: input }, { signal });
  const ms = performance.now() - t0;
  const tensor = result[output];
  if (!tensor) throw new Error(`the model has no output "${output}" (outputs: ${session.outputNames.join(', ')})`);
  return { tensor, all: result, ms };
}

/** Runs the evaluation; sessions are created on one backend, warmed up, and released at the end. */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const { images, signal } = options;
  if (!images.length) throw new Error('no images to evaluate on');
  const input = modelInput(options.model);
  const tasks = outputTasks(options.model, options.tasks);
  const spec =
    typeof options.preprocess === 'object' ? options.preprocess : options.preprocess ? presetPreprocess(options.preprocess, input.shape) : inferPreprocess(input.shape);
  const fixedBatch = fixedBatchSize(input.shape);
  const batchSize = fixedBatch ?? Math.max(1, options.batchSize ?? 1);
  if (fixedBatch && images.length % fixedBatch) {
    throw new Error(`the model takes exactly ${fixedBatch} images per run (input "${input.name}" is [${input.shape.join(', ')}]); evaluate on a multiple of ${fixedBatch} images`);
  }
  const backend = options.backend ?? 'auto';
  const created = await createSession(options.model, { backend, threads: options.threads });
  const sessions: InferenceSession[] = [created.session];
  try {
    const cached = options.reference ? reusableRuns(options.referenceCache, created.backend, batchSize, Math.ceil(images.length / batchSize), options.outputName) : undefined;
    // Same backend for both, so the latency comparison is fair even after a WebGPU → WASM fallback.
    // Opened with cached runs too: it is timed beside the model (REFERENCE_TIMED_BATCHES).
    const reference = options.reference ? (await createSession(options.reference, { backend: created.backend, threads: options.threads })).session : undefined;
    const turns = Math.ceil(images.length / batchSize);
    const timedTurns = cached ? Math.min(turns, REFERENCE_TIMED_BATCHES) : turns;
    const referenceTimed = new Set(Array.from({ length: timedTurns }, (_, i) => Math.floor((i * turns) / timedTurns)));
    let pairs = 0; // timed pairs so far: which model runs first alternates between them
    if (reference) sessions.push(reference);
    const output = options.outputName ?? created.session.outputNames[0]!;
    const refOutput = options.outputName ?? (cached?.outputNames ?? reference?.outputNames)?.[0];
    // The reference's runs of this evaluation, kept for the next one when they fit the cache.
    let recorded: ReferenceRuns['batches'] | undefined = reference && !cached && options.referenceCache ? [] : undefined;
    let recordedBytes = 0;
    const maxBytes = options.referenceCache?.maxBytes ?? REFERENCE_CACHE_BYTES;

    const loadBatch = async (start: number) => {
      const slice = images.slice(start, start + batchSize);
      const samples = await Promise.all(slice.map(async (img) => preprocessImage(await img.load(), spec)));
      const masks = await Promise.all(slice.map((img) => img.mask?.()));
      return { slice, masks, tensor: stackBatch(samples, spec) as Float32Tensor };
    };
    const batchAt = async (start: number, turn: number) => {
      if (!cached) return loadBatch(start);
      const { input, masks } = cached.batches[turn]!;
      return { slice: images.slice(start, start + batchSize), masks, tensor: input };
    };
    // Warm-up (untimed): first runs include kernel selection and memory planning.
    await options.beforeBatch?.();
    const warm = await batchAt(0, 0);
    await timedRun(created.session, warm.tensor, output, signal);
    if (reference) await timedRun(reference, warm.tensor, refOutput!, signal);

    const state = createAgreement();
    const perOutput = [...tasks].map(([name, kind]) => createOutputMetrics(name, kind));
    const perImage: PerImageResult[] = [];
    for (let start = 0, turn = 0; start < images.length; start += batchSize, turn++) {
      throwIfAborted(signal);
      if (start > 0) await options.beforeBatch?.();
      const { slice, masks, tensor } = start === 0 ? warm : await batchAt(start, turn);
      let model: Awaited<ReturnType<typeof timedRun>>;
      let ref: { tensor: Float32Tensor; all: Record<string, Float32Tensor>; ms?: number } | undefined;
      const timeReference = !!reference && referenceTimed.has(turn);
      if (timeReference && pairs++ % 2) {
        // Alternate which model runs first so caches and clocks favour neither.
        ref = await timedRun(reference, tensor, refOutput!, signal);
        model = await timedRun(created.session, tensor, output, signal);
      } else {
        model = await timedRun(created.session, tensor, output, signal);
        if (timeReference) ref = await timedRun(reference, tensor, refOutput!, signal);
      }
      if (cached) {
        // The reference's outputs on these images are already known (its run above, if any, only timed it).
        const { outputs } = cached.batches[turn]!;
        ref = { tensor: outputs[refOutput!]!, all: outputs, ms: ref?.ms };
      }
      if (recorded && ref) {
        recorded.push({ input: tensor, masks, outputs: ref.all });
        recordedBytes += Object.values(ref.all).reduce((n, t) => n + t.data.byteLength, tensor.data.byteLength)
          + masks.reduce((n, m) => n + (m?.data.byteLength ?? 0), 0);
        if (recordedBytes > maxBytes) recorded = undefined;
      }
      const labels = slice.map((img) => img.label);
      const rows = addAgreementBatch(state, model.tensor, ref?.tensor, labels);
      // Folder labels are image classes: they only apply to class outputs (addOutputBatch ignores them elsewhere).
      for (const m of perOutput) {
        const out = model.all[m.name];
        if (!out) continue;
        // Label masks, taken to this output's H×W through the images' own preprocessing geometry.
        const targets = m.kind === 'segmentation' && out.dims.length === 4 ? masks.map((mask) => mask && maskTargets(mask, spec, out.dims[3]!, out.dims[2]!)) : undefined;
        addOutputBatch(m, out, ref?.all[m.name], labels, targets);
      }
      rows.forEach((row, i) =>
        perImage.push({
          name: slice[i]!.name,
          ...row,
          latencyMs: model.ms / slice.length,
          ...(ref?.ms !== undefined ? { referenceLatencyMs: ref.ms / slice.length } : {}),
        }),
      );
      options.onProgress?.({ done: Math.min(images.length, start + batchSize), total: images.length });
    }
    if (recorded && reference && options.referenceCache) {
      options.referenceCache.runs = { backend: created.backend, batchSize, outputNames: reference.outputNames, batches: recorded };
    }
    const latencyMs = summarizeLatency(perImage.map((r) => r.latencyMs));
    // The speedup compares the two on the images both were timed on.
    const paired = perImage.filter((r) => r.referenceLatencyMs !== undefined);
    const referenceLatencyMs = paired.length ? summarizeLatency(paired.map((r) => r.referenceLatencyMs!)) : undefined;
    const pairedLatencyMs = paired.length && paired.length < perImage.length ? summarizeLatency(paired.map((r) => r.latencyMs)) : latencyMs;
    return {
      ...summarizeAgreement(state),
      backend: created.backend,
      ...(created.fallbackReason ? { fallbackReason: created.fallbackReason } : {}),
      ...(created.threads !== undefined ? { threads: created.threads } : {}),
      preprocess: spec,
      latencyMs,
      ...(referenceLatencyMs ? { referenceLatencyMs, speedup: referenceLatencyMs.median / pairedLatencyMs.median } : {}),
      perImage,
      outputs: perOutput.map(summarizeOutputMetrics),
    };
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
