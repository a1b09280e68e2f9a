// Adapts an onnxruntime (node or web; both implement onnxruntime-common) session to our
// InferenceSession: plain float32 tensors in and out, one run at a time, AbortSignal between runs.
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-common';
import type { Float32Tensor, InferenceSession, RunOptions } from './session.js';

/** The onnxruntime Tensor constructor of the package in use (node and web each ship their own). */
export type OrtTensorConstructor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;

/** The DOMException-compatible error that fetch() and friends reject with on abort. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'the operation was aborted');
  err.name = 'AbortError';
  return err;
}

/** Throws an AbortError when `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/** IEEE half-precision bit patterns (how onnxruntime returns float16 outputs) to float32 values. */
export function halfBitsToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** Converts an onnxruntime output to float32 (integer outputs such as argmax maps become floats). */
function toFloat32(name: string, t: OrtTensor): Float32Tensor {
  const dims = [...t.dims];
  const data = t.data;
  if (data instanceof Float32Array) return { dims, data };
  if (t.type === 'float16') return { dims, data: halfBitsToFloat32(data as Uint16Array) };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return { dims, data: Float32Array.from(data, Number) };
  if (ArrayBuffer.isView(data) || Array.isArray(data)) return { dims, data: Float32Array.from(data as ArrayLike<number>) };
  throw new Error(`output "${name}" has type ${t.type}, which cannot be read as numbers`);
}

/** Wraps `session` so runs are serialised: onnxruntime-web rejects overlapping runs on one session. */
export function wrapOrtSession(session: OrtSession, Tensor: OrtTensorConstructor, backend: string): InferenceSession {
  let queue: Promise<unknown> = Promise.resolve();
  let released = false;
  const runOnce = async (feeds: Record<string, Float32Tensor>, opts?: RunOptions) => {
    throwIfAborted(opts?.signal);
    if (released) throw new Error('the inference session was released; create a new one');
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new Tensor('float32', t.data, t.dims);
    const results = await session.run(ortFeeds);
    const out: Record<string, Float32Tensor> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = toFloat32(name, t);
      t.dispose();
    }
    // The run itself cannot be interrupted; its result is dropped when the caller gave up meanwhile.
    throwIfAborted(opts?.signal);
    return out;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    backend,
    run(feeds, opts) {
      const result = queue.then(() => runOnce(feeds, opts));
      queue = result.catch(() => undefined);
      return result;
    },
    async release() {
      if (released) return;
      released = true;
      await queue;
      await session.release();
    },
  };
}

/**
 * onnxruntime's refusal to load a model with an operator it has no kernel for ("com.example:Foo(-1)
 * is not a registered function/op"), said so that the user knows what still works without running it.
 * Other errors pass through unchanged.
 */
export function explainCreateError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const unknownOp = /([\w.]*):(\w+)\(-?\d+\) is not a registered function\/op/.exec(message);
  if (!unknownOp) return err instanceof Error ? err : new Error(message);
  const [, domain, op] = unknownOp;
  return new Error(
    `onnxruntime cannot run this model: it has no kernel for the operator ${op}${domain ? ` (domain "${domain}")` : ''}. ` +
      'Weight criteria (l1, l2, …) still prune the model without running it; criteria that read images, recovery and validation run it ' +
      '(export the model with standard ONNX operators, or give onnxruntime the custom op)',
  );
}
