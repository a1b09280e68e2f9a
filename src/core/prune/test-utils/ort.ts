// Running models in onnxruntime-node for the pruning tests.
import * as ort from 'onnxruntime-node';
import type { Float32Tensor } from '../../float32-tensor.js';
import type { ModelProto } from '../../onnx/proto.js';
import { encodeModel } from '../../onnx/codec.js';
import { seededRandom } from '../../random.js';

/** Random inputs for a model's declared inputs, with symbolic dims set to `batch`. */
export function randomInputs(inputs: { name: string; shape: (number | string)[] }[], seed: number, batch = 2): Record<string, ort.Tensor> {
  const rand = seededRandom(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of inputs) {
    const dims = i.shape.map((d) => (typeof d === 'number' ? d : batch));
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
    feeds[i.name] = new ort.Tensor('float32', data, dims);
  }
  return feeds;
}

/**
 * Runs a model and returns every output as float values with dims. `reference` runs the graph as
 * ONNX defines it, without onnxruntime's graph rewrites: on QDQ models those fuse
 * QuantizeLinear/DequantizeLinear around a Conv into integer kernels, which round differently
 * wherever a masking Mul breaks the pattern, so masked and pruned models would not compare.
 */
export async function runModel(model: ModelProto | Uint8Array, feeds: Record<string, ort.Tensor>, reference = false): Promise<Record<string, Float32Tensor>> {
  const options: ort.InferenceSession.SessionOptions = reference ? { graphOptimizationLevel: 'disabled' } : {};
  const session = await ort.InferenceSession.create(model instanceof Uint8Array ? model : encodeModel(model), options);
  try {
    const out = await session.run(feeds);
    const res: Record<string, Float32Tensor> = {};
    for (const [k, v] of Object.entries(out)) res[k] = { dims: [...v.dims], data: Float32Array.from(v.data as Float32Array) };
    return res;
  } finally {
    await session.release();
  }
}

/** Largest violation of |a-b| ≤ tol·max(1,|a|), as a ratio (≤ 1 means within tolerance). */
export function worstMismatch(a: Float32Array, b: Float32Array, tol = 1e-4): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i]! - b[i]!) / (tol * Math.max(1, Math.abs(a[i]!)));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}
