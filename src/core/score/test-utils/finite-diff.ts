// Finite-difference references for gradient tests: the loss of a model whose activation is scaled
// per channel or shifted along a direction, computed in float64 from the model's outputs.
import { expect } from 'vitest';
import { decodeModel, encodeModel } from '../../onnx/codec.js';
import type { ModelProto } from '../../onnx/proto.js';
import { makeNode, makeValueInfo } from '../graph-builder.js';
import type { Feeds, Float32Tensor, OpenedModel } from '../runner.js';

/** A copy of `model` where `act` is replaced, for its consumers, by `act ⊙ scale` (or `act + delta`). */
export function perturbedModel(model: ModelProto, act: string, mode: 'scale' | 'shift'): ModelProto {
  const copy = decodeModel(encodeModel(model), 'perturbed');
  const graph = copy.graph!;
  const renamed = `${act}__perturbed`;
  const extra = mode === 'scale' ? '__scale' : '__delta';
  for (const node of graph.node) node.input = node.input.map((n) => (n === act ? renamed : n));
  const at = graph.node.findIndex((n) => n.output.includes(act)) + 1;
  graph.node.splice(at, 0, makeNode(mode === 'scale' ? 'Mul' : 'Add', [act, extra], [renamed], `${renamed}_node`));
  graph.input.push(makeValueInfo(extra));
  return copy;
}

/** Σ over images and positions of cross-entropy(target, softmax over axis 1) — or of the probabilities when `isProbs`. */
export function crossEntropy(out: Float32Tensor, target: Float32Tensor, isProbs: boolean): number {
  const [n, k] = out.dims as [number, number];
  const inner = out.data.length / (n * k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < inner; s++) {
      const at = (c: number) => (i * k + c) * inner + s;
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, out.data[at(c)]!);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(out.data[at(c)]! - max);
      for (let c = 0; c < k; c++) {
        const t = target.data[at(c)]!;
        if (!t) continue;
        const logp = isProbs ? Math.log(out.data[at(c)]!) : out.data[at(c)]! - max - Math.log(sum);
        total -= t * logp;
      }
    }
  }
  return total;
}

/** The summed loss over `losses` (output name → target, and whether the output already holds probabilities). */
export async function lossOf(m: OpenedModel, feeds: Feeds, losses: { output: string; target: Float32Tensor; isProbs: boolean }[]): Promise<number> {
  const outs = await m.run(feeds);
  return losses.reduce((acc, l) => acc + crossEntropy(outs[l.output]!, l.target, l.isProbs), 0);
}

/** Σ over images and positions of a·g per channel (axis 1). */
export function channelDot(a: Float32Tensor, g: Float32Tensor): Float64Array {
  const [n, c] = a.dims as [number, number];
  const inner = a.data.length / (n * c);
  const out = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let s = 0; s < inner; s++) {
    const at = (i * c + ch) * inner + s;
    out[ch] = out[ch]! + a.data[at]! * g.data[at]!;
  }
  return out;
}

/** ‖x − y‖ / ‖y‖. */
export function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    num += (x[i]! - y[i]!) ** 2;
    den += y[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Checks the backward graph's activation gradients against float64 references (reference_grads.py):
 * per-channel Σ a·∂C/∂a, and ∂C/∂a along the fixed direction a_i·sin(1.7i + 0.3), which checks the
 * gradient position by position, not only its channel sums (zeros stay zeros).
 */
export function expectReferenceGradients(
  result: Record<string, Float32Tensor>,
  gradientOf: ReadonlyMap<string, string>,
  reference: Record<string, { channelTaylor: number[]; directional: number }>,
  tolerance: number,
): void {
  for (const [act, expected] of Object.entries(reference)) {
    const a = result[act]!;
    const g = result[gradientOf.get(act)!]!;
    expect(relativeError(channelDot(a, g), expected.channelTaylor), `Σ a·∂C/∂a per channel of "${act}"`).toBeLessThan(tolerance);
    const directional = g.data.reduce((acc, v, i) => acc + v * Math.sin(1.7 * i + 0.3) * a.data[i]!, 0);
    expect(Math.abs(directional - expected.directional) / Math.abs(expected.directional), `∂C/∂a along a direction, "${act}"`).toBeLessThan(tolerance);
  }
}

/** Float64 finite differences of the loss w.r.t. one parameter (param_grads.py): along d_i = sin(1.7i + 0.3), and at a few coordinates. */
export interface ParameterReference {
  directional: number;
  /** [flat index, ∂C/∂param there]. */
  coordinates: [number, number][];
}

/**
 * Checks ∂C/∂param from the backward graph against float64 references: the directional derivative
 * (the whole tensor, position by position) relative to its size, and single coordinates relative to
 * the larger of their own size and the tensor's RMS gradient (float32 cannot resolve a tiny
 * coordinate better than the rounding of the sums around it).
 */
export function expectParameterGradients(
  result: Record<string, Float32Tensor>,
  parameterGradientOf: ReadonlyMap<string, string>,
  reference: Record<string, ParameterReference>,
  dimsOf: (param: string) => number[],
  tolerance: number,
): void {
  for (const [param, expected] of Object.entries(reference)) {
    const g = result[parameterGradientOf.get(param)!]!;
    expect(g.dims, `dims of ∂C/∂${param}`).toEqual(dimsOf(param));
    let directional = 0;
    let norm = 0;
    for (let i = 0; i < g.data.length; i++) {
      const d = Math.sin(1.7 * i + 0.3);
      directional += g.data[i]! * d;
      norm += d * d * g.data[i]! ** 2;
    }
    const scale = Math.max(Math.abs(expected.directional), Math.sqrt(norm));
    expect(Math.abs(directional - expected.directional) / scale, `∂C/∂${param} along a direction: ${directional} vs ${expected.directional}`).toBeLessThan(tolerance);
    const rms = Math.sqrt(g.data.reduce((a, v) => a + v * v, 0) / g.data.length);
    for (const [index, value] of expected.coordinates) {
      const err = Math.abs(g.data[index]! - value) / Math.max(Math.abs(value), rms);
      expect(err, `∂C/∂${param}[${index}]: ${g.data[index]} vs ${value}`).toBeLessThan(tolerance);
    }
  }
}
