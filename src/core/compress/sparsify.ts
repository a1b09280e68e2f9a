// Unstructured and N:M sparsity (DiSparse): individual weights of Conv/Gemm/MatMul layers are set to
// zero by importance. Unstructured: the lowest `sparsity` share per layer, or over all layers at once
// (one cut over the raw scores, as torch.nn.utils.prune.global_unstructured). N:M:
// in every block of M consecutive weights along the input-channel axis, the N most important stay.
// Several outputs (tasks): each output has its own importance, and a weight goes only if it is
// unimportant for EVERY output — its score is the largest of its per-output scores, each divided by
// that output's mean importance (DiSparse's disentangled rule, at the requested sparsity).
// Returns a NEW model; the input is not modified. Shapes do not change, so the model runs as before.
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { privateCopy, setInitializer } from '../recover/common.js';
import { allowsBlocks, forEachBlock, sparseLayers, type SparseLayer } from './sparse-layers.js';
import type { SparsePattern } from './sparse-pattern.js';

export { parsePattern, patternSparsity, type SparsePattern } from './sparse-pattern.js';

export interface SparsifyOptions {
  /** Share of each eligible layer's weights to zero (unstructured); N:M patterns imply 1 − N/M. */
  sparsity: number;
  pattern: SparsePattern;
  /** Unstructured only: one threshold per layer (default) or one over all layers. */
  scope?: 'layer' | 'global';
  /** Weight initializer → importance per output (each as long as the weight). Default: |w|. */
  importance?: ReadonlyMap<string, readonly Float32Array[]>;
}

export interface SparsifiedLayer {
  node: string;
  op: SparseLayer['op'];
  weight: string;
  size: number;
  zeros: number;
  sparsity: number;
}

export interface SparsifyResult {
  model: ModelProto;
  layers: SparsifiedLayer[];
  /** Layers of these op types left dense, with why. */
  dense: { node: string; reason: string }[];
  /** Kept (true) / zeroed (false) per weight element, by weight name: what a refit must respect. */
  masks: Map<string, Uint8Array>;
}

/**
 * One score per weight of every layer. One output: its importance as it is (|w| by default).
 * Several: each output's importance divided by its mean over ALL eligible weights (so no task wins by
 * the scale of its loss), then the largest over outputs — a weight scores low only if every output
 * finds it unimportant.
 */
function combinedScores(layers: readonly SparseLayer[], values: ReadonlyMap<string, Float32Array>, importance: SparsifyOptions['importance']): Map<string, Float32Array> {
  const parts = (l: SparseLayer) => importance?.get(l.weight) ?? [values.get(l.weight)!.map(Math.abs)];
  const outputs = Math.max(...layers.map((l) => parts(l).length), 1);
  if (outputs === 1) return new Map(layers.map((l) => [l.weight, parts(l)[0]!]));
  const means = Array.from({ length: outputs }, (_, t) => {
    let sum = 0;
    let count = 0;
    for (const l of layers) for (const v of parts(l)[t] ?? []) { sum += v; count++; }
    return sum / Math.max(count, 1) || 1;
  });
  return new Map(layers.map((l) => {
    const score = new Float32Array(values.get(l.weight)!.length);
    parts(l).forEach((p, t) => { for (let i = 0; i < p.length; i++) score[i] = Math.max(score[i]!, p[i]! / means[t]!); });
    return [l.weight, score];
  }));
}

/** The value below which a `share` of `scores` lies (ties go to zero first; at least one weight stays). */
function threshold(scores: Float32Array, share: number): { cut: number; count: number } {
  const count = Math.min(scores.length - 1, Math.round(share * scores.length));
  if (count <= 0) return { cut: -Infinity, count: 0 };
  const sorted = Float32Array.from(scores).sort();
  return { cut: sorted[count - 1]!, count };
}

/** Zeroes exactly `count` of the lowest scores (the cut value may be shared by several weights). */
function maskBelow(scores: Float32Array, cut: number, count: number): Uint8Array {
  const keep = new Uint8Array(scores.length).fill(1);
  let left = count;
  for (let i = 0; i < scores.length && left > 0; i++) if (scores[i]! < cut) { keep[i] = 0; left--; }
  for (let i = 0; i < scores.length && left > 0; i++) if (scores[i] === cut && keep[i]) { keep[i] = 0; left--; }
  return keep;
}

function nmMask(layer: SparseLayer, scores: Float32Array, n: number, m: number): Uint8Array {
  const keep = new Uint8Array(scores.length).fill(1);
  const order = Array.from({ length: m }, (_, j) => j);
  forEachBlock(layer, m, (block) => {
    order.sort((a, b) => scores[block[b]!]! - scores[block[a]!]! || a - b);
    for (let j = n; j < m; j++) keep[block[order[j]!]!] = 0;
  });
  return keep;
}

/** Sparsifies `model` as `options` say; see the file comment. */
export function sparsifyModel(model: ModelProto, options: SparsifyOptions): SparsifyResult {
  const { pattern } = options;
  if (!(options.sparsity >= 0 && options.sparsity < 1)) throw new Error(`sparsity must be in [0, 1), got ${options.sparsity}`);
  const ir = buildGraph(model);
  const { layers: all, skipped } = sparseLayers(ir);
  const dense = [...skipped];
  const layers = pattern.kind === 'n:m' ? all.filter((l) => allowsBlocks(l, pattern.m) || !dense.push({ node: l.node, reason: `input width ${l.dims[l.axis]} is not a multiple of ${pattern.m}` })) : all;
  const values = new Map(layers.map((l) => [l.weight, tensorToFloat32(ir.initializers.get(l.weight)!)]));
  const scores = combinedScores(layers, values, options.importance);
  const masks = new Map<string, Uint8Array>();
  if (pattern.kind === 'n:m') {
    for (const l of layers) masks.set(l.weight, nmMask(l, scores.get(l.weight)!, pattern.n, pattern.m));
  } else if (options.scope === 'global') {
    // One cut over all layers' scores as they are (what torch.nn.utils.prune.global_unstructured does:
    // measured far better than dividing each layer by its mean, which over-prunes the small layers).
    const joined = new Float32Array(layers.reduce((a, l) => a + scores.get(l.weight)!.length, 0));
    let at = 0;
    for (const l of layers) { joined.set(scores.get(l.weight)!, at); at += scores.get(l.weight)!.length; }
    const { cut, count } = threshold(joined, options.sparsity);
    const keepAll = maskBelow(joined, cut, count);
    at = 0;
    for (const l of layers) { const n = scores.get(l.weight)!.length; masks.set(l.weight, keepAll.slice(at, at + n)); at += n; }
  } else {
    for (const l of layers) {
      const s = scores.get(l.weight)!;
      const { cut, count } = threshold(s, options.sparsity);
      masks.set(l.weight, maskBelow(s, cut, count));
    }
  }
  const out = privateCopy(model);
  const report: SparsifiedLayer[] = [];
  for (const l of layers) {
    const keep = masks.get(l.weight)!;
    const v = values.get(l.weight)!;
    const data = v.map((x, i) => (keep[i] ? x : 0));
    setInitializer(out, l.weight, l.dims, data);
    let zeros = 0;
    for (const x of data) if (x === 0) zeros++;
    report.push({ node: l.node, op: l.op, weight: l.weight, size: v.length, zeros, sparsity: zeros / v.length });
  }
  return { model: out, layers: report, dense, masks };
}

/** Per eligible layer of `model`: whether every block of M along the input axis has at most N non-zeros. */
export function checkNM(model: ModelProto, n: number, m: number): { node: string; eligible: boolean; ok: boolean }[] {
  const ir = buildGraph(model);
  return sparseLayers(ir).layers.map((l) => {
    if (!allowsBlocks(l, m)) return { node: l.node, eligible: false, ok: false };
    const v = tensorToFloat32(ir.initializers.get(l.weight)!);
    let ok = true;
    forEachBlock(l, m, (block) => {
      let nonZero = 0;
      for (const i of block) if (v[i] !== 0) nonZero++;
      if (nonZero > n) ok = false;
    });
    return { node: l.node, eligible: true, ok };
  });
}
