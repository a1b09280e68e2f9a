// Activation capture: per-channel statistics of chosen intermediate tensors over many batches, folded
// batch by batch so memory stays at one batch of activations however many images are used. Two ways:
// 'graph' appends reduction nodes so onnxruntime returns only per-channel sums (capture-graph.ts);
// 'js' returns the whole tensors and reduces them here in one pass. defaultCaptureMode() picks per
// backend; 'graph' falls back to 'js' (with the reason) when the model does not allow it.
import { encodeModel } from '../core/onnx/codec.js';
import type { ModelProto } from '../core/onnx/proto.js';
import { exposeTensors } from '../core/graph/expose.js';
import { accumulateChannelStats, createChannelStats, type ChannelStats } from '../core/score/activation-stats.js';
import { addReducedBatch, buildReductionModel, type ReductionOutputs } from './capture-graph.js';
import { throwIfAborted } from './ort-wrap.js';
import { createSession, isNode, type CreateSessionOptions, type Float32Tensor, type InferenceSession } from './session.js';

/** A tensor to capture; channels are along `channelAxis` (default 1: NCHW maps and [N, C] features). */
export interface CaptureTarget {
  name: string;
  channelAxis?: number;
}

/** Batches of model inputs, by input name. */
export type Batches = Iterable<Record<string, Float32Tensor>> | AsyncIterable<Record<string, Float32Tensor>>;

export interface CaptureProgress {
  batches: number;
  samples: number;
  /** Total batches when the caller said (`totalBatches`). */
  totalBatches?: number;
}

export interface CaptureOptions {
  signal?: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
  totalBatches?: number;
}

export interface CaptureResult {
  /** Statistics per captured tensor name. */
  stats: Map<string, ChannelStats>;
  batches: number;
  /** How the statistics were reduced, and why not in the graph when asked to. */
  mode?: CaptureMode;
  fallbackReason?: string;
}

/** 'graph': reductions run inside onnxruntime; 'js': full tensors are returned and reduced in JS. */
export type CaptureMode = 'graph' | 'js';

/**
 * The faster mode per backend, as measured by bench/runtime.bench.ts: onnxruntime-node runs the
 * appended reductions multi-threaded and beats one JS pass; onnxruntime-web's reduction kernels make
 * ~8 passes over each tensor and lose to a single fused JS pass over the returned tensor.
 */
export function defaultCaptureMode(backend: CreateSessionOptions['backend']): CaptureMode {
  return backend === 'cpu-node' || (backend === 'auto' && isNode()) ? 'graph' : 'js';
}

/** A model prepared for capture: the bytes to load, and how to fold a session's batches. */
export interface PreparedCapture {
  bytes: Uint8Array;
  mode: CaptureMode;
  fallbackReason?: string;
  /** Runs the batches on a session made from `bytes` and returns the statistics. */
  accumulate(session: InferenceSession, batches: Batches, options?: CaptureOptions): Promise<CaptureResult>;
}

const normalize = (t: string | CaptureTarget): Required<CaptureTarget> =>
  typeof t === 'string' ? { name: t, channelAxis: 1 } : { name: t.name, channelAxis: t.channelAxis ?? 1 };

/** The model bytes to load for capturing `targets` (the model plus those tensors as outputs). */
export function captureModelBytes(model: ModelProto, targets: readonly (string | CaptureTarget)[]): Uint8Array {
  return encodeModel(exposeTensors(model, targets.map((t) => normalize(t).name)));
}

/**
 * Runs `batches` through a session made from captureModelBytes() and accumulates the statistics.
 * Checks `signal` between batches (AbortError); the session is left usable either way.
 */
export async function accumulateActivations(
  session: InferenceSession,
  targets: readonly (string | CaptureTarget)[],
  batches: Batches,
  options: CaptureOptions = {},
): Promise<CaptureResult> {
  const wanted = targets.map(normalize);
  const missing = wanted.filter((t) => !session.outputNames.includes(t.name));
  if (missing.length) throw new Error(`the session does not output ${missing.map((t) => `"${t.name}"`).join(', ')}; load captureModelBytes(model, targets)`);
  const stats = new Map<string, ChannelStats>();
  let count = 0;
  let samples = 0;
  for await (const feeds of batches) {
    throwIfAborted(options.signal);
    const outputs = await session.run(feeds, { signal: options.signal });
    for (const { name, channelAxis } of wanted) {
      const t = outputs[name]!;
      let s = stats.get(name);
      if (!s) {
        const channels = t.dims[channelAxis];
        if (channels === undefined) throw new Error(`captured tensor "${name}" has shape [${t.dims.join(', ')}]: no channel axis ${channelAxis}`);
        stats.set(name, (s = createChannelStats(channels, channelAxis)));
      }
      accumulateChannelStats(s, t.data, t.dims);
    }
    count++;
    samples += Object.values(feeds)[0]?.dims[0] ?? 0;
    options.onProgress?.({ batches: count, samples, totalBatches: options.totalBatches });
  }
  return { stats, batches: count };
}

/** Folds batches of a session built from buildReductionModel() (in-graph per-channel sums). */
async function accumulateReduced(session: InferenceSession, plan: readonly ReductionOutputs[], batches: Batches, options: CaptureOptions): Promise<CaptureResult> {
  const stats = new Map<string, ChannelStats>();
  let count = 0;
  let samples = 0;
  for await (const feeds of batches) {
    throwIfAborted(options.signal);
    const outputs = await session.run(feeds, { signal: options.signal });
    for (const r of plan) {
      let s = stats.get(r.name);
      if (!s) stats.set(r.name, (s = createChannelStats(outputs[r.sum]!.dims[0] ?? 1, r.channelAxis)));
      addReducedBatch(s, r, outputs);
    }
    count++;
    samples += Object.values(feeds)[0]?.dims[0] ?? 0;
    options.onProgress?.({ batches: count, samples, totalBatches: options.totalBatches });
  }
  return { stats, batches: count, mode: 'graph' };
}

/** Prepares `model` for capturing `targets` in `mode` ('graph' falls back to 'js' when it must). */
export function prepareCapture(model: ModelProto, targets: readonly (string | CaptureTarget)[], mode: CaptureMode = 'graph'): PreparedCapture {
  const wanted = targets.map(normalize);
  let fallbackReason: string | undefined;
  if (mode === 'graph') {
    const reduced = buildReductionModel(model, wanted);
    if (typeof reduced !== 'string') {
      return { bytes: reduced.bytes, mode, accumulate: (session, batches, options = {}) => accumulateReduced(session, reduced.outputs, batches, options) };
    }
    fallbackReason = `in-graph reduction unavailable: ${reduced}`;
  }
  return {
    bytes: captureModelBytes(model, wanted),
    mode: 'js',
    ...(fallbackReason ? { fallbackReason } : {}),
    accumulate: async (session, batches, options = {}) => ({ ...(await accumulateActivations(session, wanted, batches, options)), mode: 'js', ...(fallbackReason ? { fallbackReason } : {}) }),
  };
}

/** Captures per-channel statistics of `targets` over `batches`, in a session of its own (released after). */
export async function captureActivationStats(
  model: ModelProto,
  targets: readonly (string | CaptureTarget)[],
  batches: Batches,
  options: CaptureOptions & Omit<CreateSessionOptions, 'backend'> & { backend?: CreateSessionOptions['backend']; mode?: CaptureMode } = {},
): Promise<CaptureResult> {
  throwIfAborted(options.signal);
  const backend = options.backend ?? 'auto';
  const prepared = prepareCapture(model, targets, options.mode ?? defaultCaptureMode(backend));
  const { session } = await createSession(prepared.bytes, {
    backend,
    threads: options.threads,
    externalData: options.externalData,
  });
  try {
    return await prepared.accumulate(session, batches, options);
  } finally {
    await session.release();
  }
}
