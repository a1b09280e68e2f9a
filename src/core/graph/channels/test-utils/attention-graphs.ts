// Hand-written attention as tiny ONNX graphs: x [1, T, C] → Q, K, V (separate or packed and cut by
// chunk-style Slices) → heads [1, T, h, d] → Transpose → Q·Kᵀ → Softmax → ·V → back to [1, T, C] →
// output projection. Options break one link at a time for the soundness tests.
import { GraphBuilder } from '../../shape-ops/test-utils/graph-builder.js';

export interface AttentionOptions {
  tokens?: number;
  heads?: number;
  headDim?: number;
  /** One [C, 3C] projection cut by Slices whose bounds are computed from its Shape (torch's chunk). */
  packed?: boolean;
  /** V is not reshaped into heads but projected to the output directly (Q/K/V no longer all tied). */
  vBypass?: boolean;
  /** Adds a per-head constant [1, h, 1, 1] to the scores. */
  perHeadBias?: boolean;
}

/** The graph; the output is `y` [1, T, 5]. */
export function attentionGraph(o: AttentionOptions = {}): GraphBuilder {
  const t = o.tokens ?? 6;
  const h = o.heads ?? 3;
  const d = o.headDim ?? 4;
  const c = h * d;
  const b = new GraphBuilder(14).input('x', [1, t, c]);
  b.ints('heads_shape', [1, t, h, d]).ints('merge_shape', [1, t, c]);
  if (o.packed) {
    b.weight('w_qkv', [c, 3 * c]).weight('b_qkv', [3 * c]).node('MatMul', ['x', 'w_qkv'], ['qkv_mm']).node('Add', ['qkv_mm', 'b_qkv'], ['qkv']);
    b.node('Shape', ['qkv'], ['qkv_shape']).ints('last', [-1]).node('Gather', ['qkv_shape', 'last'], ['width']);
    b.ints('two', [2]).ints('three', [3]).node('Add', ['width', 'two'], ['w2']).node('Div', ['w2', 'three'], ['chunk']);
    b.ints('zero', [0]);
    ['q', 'k', 'v'].forEach((name, i) => {
      b.ints(`k${i + 1}`, [i + 1]).node('Mul', ['chunk', `k${i + 1}`], [`end_${name}`]);
      b.node('Slice', ['qkv', i === 0 ? 'zero' : `end_${['q', 'k', 'v'][i - 1]}`, `end_${name}`, 'last'], [name]);
    });
  } else {
    for (const name of ['q', 'k', 'v']) b.weight(`w_${name}`, [c, c]).node('MatMul', ['x', `w_${name}`], [name]);
  }
  b.node('Reshape', ['q', 'heads_shape'], ['q4']).node('Transpose', ['q4'], ['qh'], { perm: [0, 2, 1, 3] });
  b.node('Reshape', ['k', 'heads_shape'], ['k4']).node('Transpose', ['k4'], ['kt'], { perm: [0, 2, 3, 1] });
  b.node('MatMul', ['qh', 'kt'], ['scores_raw']);
  let scores = 'scores_raw';
  if (o.perHeadBias) {
    b.weight('head_bias', [1, h, 1, 1]).node('Add', ['scores_raw', 'head_bias'], ['scores_b']);
    scores = 'scores_b';
  }
  b.node('Softmax', [scores], ['attn'], { axis: -1 });
  // vBypass: attention reads V from its own projection; the sliced V piece goes to the output by another path.
  const v = o.vBypass ? 'v_own' : 'v';
  if (o.vBypass) b.weight('w_v_own', [c, c]).node('MatMul', ['x', 'w_v_own'], ['v_own']);
  b.node('Reshape', [v, 'heads_shape'], ['v4']).node('Transpose', ['v4'], ['vh'], { perm: [0, 2, 1, 3] });
  b.node('MatMul', ['attn', 'vh'], ['ctx_h']).node('Transpose', ['ctx_h'], ['ctx_t'], { perm: [0, 2, 1, 3] });
  b.node('Reshape', ['ctx_t', 'merge_shape'], ['ctx']);
  if (!o.vBypass) {
    b.weight('w_o', [c, 5]).node('MatMul', ['ctx', 'w_o'], ['y']);
    return b.output('y');
  }
  b.weight('w_o', [c, 5]).node('MatMul', ['ctx', 'w_o'], ['y_attn']);
  b.weight('w_vb', [c, 5]).node('MatMul', ['v', 'w_vb'], ['y_v']).node('Add', ['y_attn', 'y_v'], ['y']);
  return b.output('y');
}
