// The agreement checks on small broken graphs (each the kind of model a faulty surgery or a corrupt
// file gives), checked against onnxruntime: what we call broken, onnxruntime refuses too.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../onnx/codec.js';
import { checkConsistency } from './consistency.js';
import { buildGraph } from './ir.js';
import { GraphBuilder } from './shape-ops/test-utils/graph-builder.js';

const conv = (inChannels: number, weightIn: number) =>
  new GraphBuilder(13).input('x', ['N', inChannels, 8, 8]).weight('w', [4, weightIn, 3, 3]).weight('b', [4]).node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }).output('y');

const problemsOf = (b: GraphBuilder) => checkConsistency(buildGraph(b.build()));
/** True when onnxruntime refuses to load the model or to run it on zeros of the inputs' shapes (symbols = 1). */
const ortRefuses = async (b: GraphBuilder) => {
  try {
    const session = await ort.InferenceSession.create(encodeModel(b.build()));
    const feeds = Object.fromEntries(Object.entries(b.feedShapes(new Proxy({}, { get: () => 1 }))).map(([k, dims]) => [k, new ort.Tensor('float32', new Float32Array(dims.reduce((a, d) => a * d, 1)), dims)]));
    await session.run(feeds);
    return false;
  } catch {
    return true;
  }
};

describe('checkConsistency', () => {
  it('accepts a consistent Conv with a symbolic batch', () => {
    expect(problemsOf(conv(6, 6))).toEqual([]);
  });

  it('names the node, the tensor and both channel counts when a Conv weight has the wrong input width', async () => {
    const b = conv(6, 5);
    const [p, ...rest] = problemsOf(b);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ node: 'y', opType: 'Conv', tensor: 'x' });
    expect(p!.message).toContain('has 6 channels');
    expect(p!.message).toContain('expects 5');
    expect(await ortRefuses(b)).toBe(true);
  });

  it('checks grouped and depthwise convolutions against C / group', () => {
    const grouped = (weightIn: number) =>
      new GraphBuilder(13).input('x', [1, 8, 4, 4]).weight('w', [8, weightIn, 1, 1]).node('Conv', ['x', 'w'], ['y'], { group: 4 }).output('y');
    expect(problemsOf(grouped(2))).toEqual([]);
    expect(problemsOf(grouped(1))[0]!.message).toContain('group=4 expects 4');
  });

  it('finds a bias, a BatchNorm parameter and a Gemm weight of the wrong length', () => {
    const bias = new GraphBuilder(13).input('x', [1, 3, 4, 4]).weight('w', [4, 3, 1, 1]).weight('b', [3]).node('Conv', ['x', 'w', 'b'], ['y']).output('y');
    expect(problemsOf(bias)[0]).toMatchObject({ tensor: 'b' });
    const bn = new GraphBuilder(13).input('x', [1, 4, 2, 2]).weight('s', [4]).weight('o', [4]).weight('m', [3]).weight('v', [4]).node('BatchNormalization', ['x', 's', 'o', 'm', 'v'], ['y']).output('y');
    expect(problemsOf(bn)).toMatchObject([{ opType: 'BatchNormalization', tensor: 'm' }]);
    const gemm = new GraphBuilder(13).input('x', [1, 12]).weight('w', [10, 11]).node('Gemm', ['x', 'w'], ['y'], { transB: 1 }).output('y');
    expect(problemsOf(gemm)[0]!.message).toContain('has 12 features');
  });

  it('finds operands that do not broadcast and Concat inputs that disagree off the axis', async () => {
    const add = new GraphBuilder(13).input('x', [1, 4, 2, 2]).weight('c', [1, 3, 1, 1]).node('Add', ['x', 'c'], ['y']).output('y');
    expect(problemsOf(add)[0]!.message).toContain('do not broadcast on axis -3');
    expect(await ortRefuses(add)).toBe(true);
    const perChannel = new GraphBuilder(13).input('x', ['N', 4, 'H', 'W']).weight('c', [4, 1, 1]).node('Mul', ['x', 'c'], ['y']).output('y');
    expect(problemsOf(perChannel)).toEqual([]);
    const cat = new GraphBuilder(13).input('a', [1, 4, 8, 8]).input('b', [1, 2, 4, 4]).node('Concat', ['a', 'b'], ['y'], { axis: 1 }).output('y');
    expect(problemsOf(cat)[0]).toMatchObject({ opType: 'Concat', tensor: 'b' });
  });

  it('compares MatMul contraction dims and LayerNormalization parameters', () => {
    const mm = new GraphBuilder(13).input('x', ['N', 7, 16]).weight('w', [15, 8]).node('MatMul', ['x', 'w'], ['y']).output('y');
    expect(problemsOf(mm)[0]!.message).toContain('has 16 features');
    const ln = new GraphBuilder(17).input('x', ['N', 7, 16]).weight('g', [15]).weight('b', [16]).node('LayerNormalization', ['x', 'g', 'b'], ['y'], { axis: -1 }).output('y');
    expect(problemsOf(ln)).toMatchObject([{ tensor: 'g' }]);
  });
});
