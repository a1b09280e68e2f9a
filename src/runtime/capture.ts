// Activation capture: runs a copy of the model that also outputs the chosen intermediate tensors and
// folds each batch into per-channel statistics right away, so memory stays at one batch of
// activations however many images are used.
import { encodeModel } from '../core/onnx/codec.js';
import type { ModelProto } from '../core/onnx/proto.js';
import { exposeTensors } from '../core/graph/expose.js';
import { accumulateChannelStats, createChannelStats, type ChannelStats } from '../core/score/activation-stats.js';
import { throwIfAborted } from './ort-wrap.js';
import { createSession, type CreateSessionOptions, type Float32Tensor, type InferenceSession } from './session.js';

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

/** Captures per-channel statistics of `targets` over `batches`, in a session of its own (released after). */
export async function captureActivationStats(
  model: ModelProto,
  targets: readonly (string | CaptureTarget)[],
  batches: Batches,
  options: CaptureOptions & Omit<CreateSessionOptions, 'backend'> & { backend?: CreateSessionOptions['backend'] } = {},
): Promise<CaptureResult> {
  throwIfAborted(options.signal);
  const { session } = await createSession(captureModelBytes(model, targets), {
    backend: options.backend ?? 'auto',
    threads: options.threads,
    externalData: options.externalData,
  });
  try {
    return await accumulateActivations(session, targets, batches, options);
  } finally {
    await session.release();
  }
}
