// How core scoring code runs models without depending on a runtime: callers (CLI, workers, tests)
// pass a ModelRunner that opens a ModelProto on onnxruntime-node or onnxruntime-web. The runtime's
// InferenceSession extends OpenedModel, so a session from createSession() can be returned as is.
import type { Float32Tensor } from '../float32-tensor.js';
import type { ModelProto } from '../onnx/proto.js';

export type { Float32Tensor };

/** The part of AbortSignal core needs (core compiles without DOM typings; a real AbortSignal fits). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** A model opened for inference. */
export interface OpenedModel {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Float32Tensor>, opts?: { signal?: AbortSignalLike }): Promise<Record<string, Float32Tensor>>;
  release(): Promise<void>;
}

/** Opens a (possibly generated) model for inference. */
export type ModelRunner = (model: ModelProto) => Promise<OpenedModel>;

/** A batch of input images: the model input name → NCHW float tensor. */
export type Feeds = Record<string, Float32Tensor>;

/** Opens `model`, runs `fn` with it and releases it even when `fn` throws. */
export async function withModel<T>(runner: ModelRunner, model: ModelProto, fn: (m: OpenedModel) => Promise<T>): Promise<T> {
  const opened = await runner(model);
  try {
    return await fn(opened);
  } finally {
    await opened.release();
  }
}

/** Throws an AbortError when the signal is aborted (the same error shape fetch() uses). */
export function checkAborted(signal?: AbortSignalLike): void {
  if (!signal?.aborted) return;
  const err = new Error(typeof signal.reason === 'string' ? signal.reason : 'the operation was aborted');
  err.name = 'AbortError';
  throw err;
}
