// Shape rules per op family on hand-built graphs. Every expectation is also checked against
// onnxruntime (with the symbol N bound to 2), so an expectation cannot encode a misreading of the
// ONNX spec that our rule shares.
import { describe, expect, it } from 'vitest';
import { buildGraph } from './ir.js';
import { inferShapes, type Dim } from './shapes.js';
import { GraphBuilder, ortOutputShapes } from './shape-ops/test-utils/graph-builder.js';

const N = 2;
const bind = (d: Dim): number => (typeof d === 'number' ? d : d.split('*').reduce((a, f) => a * (f === 'N' ? N : Number(f)), 1));

interface Case {
  graph: GraphBuilder;
  /** Graph output → expected inferred shape. */
  expect: Record<string, Dim[]>;
}

async function check({ graph, expect: expected }: Case): Promise<void> {
  for (const name of Object.keys(expected)) graph.output(name);
  const model = graph.build();
  const shapes = inferShapes(buildGraph(model));
  expect(shapes.unknownNodes).toEqual([]);
  const inferred = Object.fromEntries(Object.keys(expected).map((k) => [k, shapes.tensors.get(k)?.shape]));
  expect(inferred).toEqual(expected);
  const actual = await ortOutputShapes(model, graph.feedShapes({ N }));
  expect(actual).toEqual(Object.fromEntries(Object.entries(expected).map(([k, s]) => [k, s.map(bind)])));
}

const g = (opset: number) => new GraphBuilder(opset);

describe('convolution and pooling', () => {
  it('Conv with auto_pad SAME_UPPER / SAME_LOWER / VALID, strides, dilations, groups', () =>
    check({
      graph: g(13).input('x', ['N', 4, 7, 9]).weight('w', [6, 4, 3, 3]).weight('wg', [6, 2, 3, 3])
        .node('Conv', ['x', 'w'], ['same_upper'], { auto_pad: 'SAME_UPPER', strides: [2, 2] })
        .node('Conv', ['x', 'w'], ['same_lower'], { auto_pad: 'SAME_LOWER', strides: [2, 3] })
        .node('Conv', ['x', 'w'], ['valid'], { auto_pad: 'VALID', strides: [2, 3] })
        .node('Conv', ['x', 'wg'], ['grouped'], { group: 2, pads: [1, 0, 2, 1], dilations: [2, 1] }),
      expect: { same_upper: ['N', 6, 4, 5], same_lower: ['N', 6, 4, 3], valid: ['N', 6, 3, 3], grouped: ['N', 6, 6, 8] },
    }));

  it('ConvTranspose with output_shape, auto_pad SAME, output_padding, dilations, group', () =>
    check({
      graph: g(13).input('x', ['N', 4, 5, 5]).weight('w', [4, 3, 3, 3])
        .node('ConvTranspose', ['x', 'w'], ['given'], { strides: [2, 2], output_shape: [10, 11] })
        .node('ConvTranspose', ['x', 'w'], ['same'], { strides: [2, 2], auto_pad: 'SAME_UPPER' })
        .node('ConvTranspose', ['x', 'w'], ['padded'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0], dilations: [2, 2] })
        .node('ConvTranspose', ['x', 'w'], ['grouped'], { group: 2 }),
      expect: { given: ['N', 3, 10, 11], same: ['N', 3, 10, 10], padded: ['N', 3, 12, 11], grouped: ['N', 6, 7, 7] },
    }));

  it('MaxPool / AveragePool with ceil_mode (incl. the dropped last window), pads, dilations; global pools', () =>
    check({
      graph: g(13).input('x', ['N', 3, 10, 5])
        .node('MaxPool', ['x'], ['dilated'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [2, 2], ceil_mode: 1 })
        .node('MaxPool', ['x'], ['dropped'], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })
        .node('AveragePool', ['x'], ['avg'], { kernel_shape: [3, 2], strides: [3, 2], ceil_mode: 1 })
        .node('AveragePool', ['x'], ['floor'], { kernel_shape: [3, 2], strides: [3, 2] })
        .node('GlobalAveragePool', ['x'], ['gap'])
        .node('GlobalMaxPool', ['x'], ['gmp']),
      expect: { dilated: ['N', 3, 5, 2], dropped: ['N', 3, 6, 3], avg: ['N', 3, 4, 3], floor: ['N', 3, 3, 2], gap: ['N', 3, 1, 1], gmp: ['N', 3, 1, 1] },
    }));
});

describe('matrix products', () => {
  it('Gemm with transA/transB; MatMul batched, broadcast and 1-D', () =>
    check({
      graph: g(13).input('a', [6, 4]).input('x', ['N', 3, 6]).input('v', [6]).input('b4', ['N', 1, 3, 6])
        .weight('b', [5, 6]).weight('m', [6, 5]).weight('bb', [4, 6, 2])
        .node('Gemm', ['a', 'b'], ['gemm'], { transA: 1, transB: 1 })
        .node('MatMul', ['x', 'm'], ['batched'])
        .node('MatMul', ['v', 'm'], ['vec_mat'])
        .node('MatMul', ['x', 'v'], ['mat_vec'])
        .node('MatMul', ['b4', 'bb'], ['broadcast']),
      expect: { gemm: [4, 5], batched: ['N', 3, 5], vec_mat: [5], mat_vec: ['N', 3], broadcast: ['N', 4, 3, 2] },
    }));
});

describe('element-wise, normalization and activations', () => {
  it('keep shapes, and broadcast like numpy (Add, Mul, Where, PRelu, Pow)', () =>
    check({
      graph: g(18).input('x', ['N', 1, 4]).input('y', [3, 1]).input('z', [4]).weight('slope', [1, 4]).weight('gamma', [4]).weight('beta', [4])
        .node('Add', ['x', 'y'], ['add'])
        .node('Greater', ['x', 'y'], ['gt'])
        .node('Where', ['gt', 'x', 'z'], ['where'])
        .node('PRelu', ['add', 'slope'], ['prelu'])
        .node('Pow', ['z', 'x'], ['pow'])
        .node('HardSwish', ['add'], ['hswish'])
        .node('LeakyRelu', ['add'], ['leaky'], { alpha: { f: 0.2 } })
        .node('Clip', ['add', '', ''], ['clip'])
        .node('Softmax', ['add'], ['softmax'], { axis: 1 })
        .node('LayerNormalization', ['add', 'gamma', 'beta'], ['ln'], { axis: -1 })
        .node('Erf', ['x'], ['erf']),
      expect: {
        add: ['N', 3, 4], where: ['N', 3, 4], prelu: ['N', 3, 4], pow: ['N', 1, 4], hswish: ['N', 3, 4], leaky: ['N', 3, 4],
        clip: ['N', 3, 4], softmax: ['N', 3, 4], ln: ['N', 3, 4], erf: ['N', 1, 4],
      },
    }));

  it('BatchNormalization, InstanceNormalization, GroupNormalization (opset 18), Dropout, Cast', () =>
    check({
      graph: g(18).input('x', ['N', 4, 5, 5]).weight('s', [4]).weight('b', [4]).weight('m', [4]).weight('v', [4]).weight('gs', [2]).weight('gb', [2])
        .node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['bn'])
        .node('InstanceNormalization', ['x', 's', 'b'], ['inorm'])
        .node('GroupNormalization', ['x', 'gs', 'gb'], ['gnorm'], { num_groups: 2 })
        .node('Dropout', ['x'], ['drop'])
        .node('Cast', ['x'], ['cast'], { to: 10 }),
      expect: { bn: ['N', 4, 5, 5], inorm: ['N', 4, 5, 5], gnorm: ['N', 4, 5, 5], drop: ['N', 4, 5, 5], cast: ['N', 4, 5, 5] },
    }));
});

describe('reductions', () => {
  it('axes as attribute before opset 18 (ReduceSum: 13), keepdims', () =>
    check({
      graph: g(13).input('x', ['N', 3, 4, 5]).ints('axes', [1, -1])
        .node('ReduceMean', ['x'], ['mean'], { axes: [2, 3], keepdims: 0 })
        .node('ReduceMax', ['x'], ['max_all'])
        .node('ReduceSum', ['x', 'axes'], ['sum']),
      expect: { mean: ['N', 3], max_all: [1, 1, 1, 1], sum: ['N', 1, 4, 1] },
    }));

  it('axes as input from opset 18, noop_with_empty_axes', () =>
    check({
      graph: g(18).input('x', ['N', 3, 4, 5]).ints('axes', [2])
        .node('ReduceMean', ['x', 'axes'], ['mean'], { keepdims: 0 })
        .node('ReduceMax', ['x', 'axes'], ['max'])
        .node('ReduceSum', ['x'], ['noop'], { noop_with_empty_axes: 1 }),
      expect: { mean: ['N', 3, 5], max: ['N', 3, 1, 5], noop: ['N', 3, 4, 5] },
    }));
});

describe('layout ops', () => {
  it('Split: attribute (11), input (13), equal parts, num_outputs (18)', async () => {
    await check({
      graph: g(11).input('x', ['N', 6, 7]).node('Split', ['x'], ['s1', 's2'], { axis: 1, split: [2, 4] }).node('Split', ['x'], ['e1', 'e2'], { axis: 1 }),
      expect: { s1: ['N', 2, 7], s2: ['N', 4, 7], e1: ['N', 3, 7], e2: ['N', 3, 7] },
    });
    await check({
      graph: g(13).input('x', ['N', 6, 7]).ints('split', [3, 4]).node('Split', ['x', 'split'], ['a', 'b'], { axis: -1 }),
      expect: { a: ['N', 6, 3], b: ['N', 6, 4] },
    });
    await check({
      graph: g(18).input('x', ['N', 6, 7]).node('Split', ['x'], ['p', 'q', 'r'], { axis: 2, num_outputs: 3 }),
      expect: { p: ['N', 6, 3], q: ['N', 6, 3], r: ['N', 6, 1] },
    });
  });

  it('Slice: attributes (9) and inputs (13) with negative indices and steps', async () => {
    await check({
      graph: g(9).input('x', ['N', 6, 7]).node('Slice', ['x'], ['s'], { starts: [1, -3], ends: [-1, 1000], axes: [1, 2] }),
      expect: { s: ['N', 4, 3] },
    });
    await check({
      graph: g(13).input('x', ['N', 6, 7]).ints('st', [-1, 0]).ints('en', [-1000, 9223372036854775807n]).ints('ax', [2, 0]).ints('sp', [-2, 1])
        .node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['s']),
      expect: { s: ['N', 6, 4] },
    });
  });

  it('Squeeze / Unsqueeze: axes attribute (11) vs input (13)', async () => {
    await check({
      graph: g(11).input('x', ['N', 1, 5, 1]).node('Squeeze', ['x'], ['sq'], { axes: [1] }).node('Unsqueeze', ['x'], ['un'], { axes: [0, 5] }),
      expect: { sq: ['N', 5, 1], un: [1, 'N', 1, 5, 1, 1] },
    });
    await check({
      graph: g(13).input('x', ['N', 1, 5, 1]).ints('a', [-1]).ints('b', [0, -1])
        .node('Squeeze', ['x', 'a'], ['sq']).node('Unsqueeze', ['x', 'b'], ['un']),
      expect: { sq: ['N', 1, 5], un: [1, 'N', 1, 5, 1, 1] },
    });
  });

  it('Reshape (0, -1), Flatten, Transpose, Concat, Gather, Expand, Tile, Pad (axes in 18)', () =>
    check({
      graph: g(18).input('x', ['N', 4, 6]).input('y', ['N', 2, 6]).ints('shape', [0, -1, 3]).ints('idx', [2, 0]).ints('eshape', [3, 1, 1, 6])
        .ints('reps', [1, 2, 1]).ints('pads', [1, 2]).ints('pad_axes', [-1])
        .node('Reshape', ['x', 'shape'], ['reshape'])
        .node('Flatten', ['x'], ['flat'], { axis: 2 })
        .node('Transpose', ['x'], ['tr'])
        .node('Concat', ['x', 'y'], ['cat'], { axis: 1 })
        .node('Gather', ['x', 'idx'], ['gather'], { axis: 1 })
        .node('Expand', ['y', 'eshape'], ['expand'])
        .node('Tile', ['x', 'reps'], ['tile'])
        .node('Pad', ['x', 'pads', '', 'pad_axes'], ['pad']),
      expect: {
        reshape: ['N', 8, 3], flat: ['4*N', 6], tr: [6, 4, 'N'], cat: ['N', 6, 6], gather: ['N', 2, 6],
        expand: [3, 'N', 2, 6], tile: ['N', 8, 6], pad: ['N', 4, 9],
      },
    }));

  it('Resize with scales (11) and sizes (13, axes in 18); Upsample (9)', async () => {
    await check({
      graph: g(11).input('x', ['N', 3, 4, 5]).floats('roi', []).floats('scales', [1, 1, 2, 1.5])
        .node('Resize', ['x', 'roi', 'scales'], ['r'], { mode: 'nearest' }),
      expect: { r: ['N', 3, 8, 7] },
    });
    await check({
      graph: g(18).input('x', ['N', 3, 4, 5]).ints('sizes', [9, 10]).ints('full', [2, 3, 6, 6])
        .node('Resize', ['x', '', '', 'sizes'], ['r'], { axes: [2, 3] })
        .node('Resize', ['x', '', '', 'full'], ['f']),
      expect: { r: ['N', 3, 9, 10], f: [2, 3, 6, 6] },
    });
    await check({
      graph: g(9).input('x', ['N', 3, 4, 5]).floats('scales', [1, 1, 2, 2]).node('Upsample', ['x', 'scales'], ['u']),
      expect: { u: ['N', 3, 8, 10] },
    });
  });
});

describe('less common ops', () => {
  it('DepthToSpace, SpaceToDepth, TopK, GatherElements, ScatterND', () =>
    check({
      graph: g(13).input('x', ['N', 8, 3, 4]).input('y', ['N', 2, 4, 6]).input('z', ['N', 3, 5]).ints('k', [2]).ints('ge', [0, 1, 0, 1, 0, 1], [1, 3, 2])
        .ints('sidx', [0], [1, 1]).input('upd', [1, 3, 5])
        .node('DepthToSpace', ['x'], ['d2s'], { blocksize: 2 })
        .node('SpaceToDepth', ['y'], ['s2d'], { blocksize: 2 })
        .node('TopK', ['z', 'k'], ['top_values', 'top_indices'])
        .node('GatherElements', ['z', 'ge'], ['gathered'], { axis: 2 })
        .node('ScatterND', ['z', 'sidx', 'upd'], ['scattered']),
      expect: {
        d2s: ['N', 2, 6, 8], s2d: ['N', 8, 2, 3], top_values: ['N', 3, 2], top_indices: ['N', 3, 2], gathered: [1, 3, 2], scattered: ['N', 3, 5],
      },
    }));

  it('Concat sums the axis, which is unknown ("?") when a summand is symbolic', () => {
    const model = g(13).input('x', ['N', 3]).input('y', [2, 3]).node('Concat', ['x', 'y'], ['rows'], { axis: 0 })
      .node('Concat', ['x', 'x'], ['cols'], { axis: 1 }).output('rows').output('cols').build();
    const shapes = inferShapes(buildGraph(model));
    expect(shapes.tensors.get('cols')?.shape).toEqual(['N', 6]);
    expect(shapes.tensors.get('rows')?.shape).toEqual(['?', 3]);
    expect(shapes.unknownNodes).toEqual([{ node: 'rows', opType: 'Concat', reason: 'some dims of "rows" [?,3] are unknown' }]);
  });

  it('reports a malformed node instead of failing the whole inference', () => {
    const model = g(13).input('x', ['N', 3]).node('Concat', [], ['empty'], { axis: 0 }).node('Relu', ['x'], ['r']).output('r').build();
    const shapes = inferShapes(buildGraph(model));
    expect(shapes.tensors.get('r')?.shape).toEqual(['N', 3]);
    expect(shapes.unknownNodes).toHaveLength(1);
    expect(shapes.unknownNodes[0]!.reason).toMatch(/^cannot apply the Concat rule: TypeError/);
  });
});

describe('constant propagation', () => {
  it('resolves Shape(start,end) → Gather → Mul → Unsqueeze → Concat → Reshape with a symbolic batch', () =>
    check({
      graph: g(15).input('x', ['N', 3, 4, 5]).ints('i0', [0], []).ints('i1', [1], []).ints('ax', [0]).ints('minus1', [-1])
        .node('Shape', ['x'], ['full_shape'])
        .node('Gather', ['full_shape', 'i0'], ['n'], { axis: 0 })
        .node('Unsqueeze', ['n', 'ax'], ['n1'])
        .node('Shape', ['x'], ['hw'], { start: 2 })
        .node('Gather', ['hw', 'i0'], ['h'])
        .node('Gather', ['hw', 'i1'], ['w'])
        .node('Mul', ['h', 'w'], ['hxw'])
        .node('Unsqueeze', ['hxw', 'ax'], ['hxw1'])
        .node('Concat', ['n1', 'minus1', 'hxw1'], ['target'], { axis: 0 })
        .node('Reshape', ['x', 'target'], ['y']),
      expect: { y: ['N', 3, 20] },
    }));

  it('ConstantOfShape and Range from known values', () =>
    check({
      graph: g(13).input('x', ['N', 3]).ints('two', [2], []).ints('start', [1], []).ints('limit', [10], []).ints('delta', [3], [])
        .ints('shape', [2, 3])
        .node('ConstantOfShape', ['shape'], ['zeros'])
        .node('Range', ['start', 'limit', 'delta'], ['range'])
        .node('Add', ['x', 'zeros'], ['sum']),
      expect: { zeros: [2, 3], range: [3], sum: [2, 3] },
    }));
});

describe('value_info and unknown shapes', () => {
  it('fills outputs of ops without a rule from value_info, and reports them when there is none', () => {
    const model = g(13).input('x', ['N', 3]).node('MyOp', ['x'], ['hinted'], {}, 'com.example').node('MyOp', ['x'], ['bare'], {}, 'com.example')
      .node('Relu', ['bare'], ['after']).hint('hinted', ['N', 7]).output('after').build();
    const shapes = inferShapes(buildGraph(model));
    expect(shapes.tensors.get('hinted')?.shape).toEqual(['N', 7]);
    expect(shapes.unknownNodes).toEqual([
      { node: 'bare', opType: 'MyOp', reason: 'custom op of domain "com.example"' },
      { node: 'after', opType: 'Relu', reason: 'shape of input "bare" is unknown' },
    ]);
  });

  it('prefers computed shapes over stale value_info, which only fills unknown dims', () => {
    const model = g(13).input('x', ['N', 3, 8, 8]).weight('w', [4, 3, 1, 1]).input('t', [2])
      .node('Conv', ['x', 'w'], ['conv']).node('Reshape', ['x', 't'], ['dyn'])
      .hint('conv', ['N', 16, 8, 8]).hint('dyn', ['N', 192]).build();
    const shapes = inferShapes(buildGraph(model));
    expect(shapes.tensors.get('conv')?.shape).toEqual(['N', 4, 8, 8]);
    expect(shapes.tensors.get('dyn')?.shape).toEqual(['N', 192]); // Reshape target is a runtime input
    expect(shapes.unknownNodes).toEqual([]);
  });

  it('explains why a Reshape with a runtime target stays unknown', () => {
    const model = g(13).input('x', ['N', 3, 8, 8]).input('t', [2]).node('Reshape', ['x', 't'], ['dyn']).output('dyn').build();
    const shapes = inferShapes(buildGraph(model));
    expect(shapes.unknownNodes).toEqual([{ node: 'dyn', opType: 'Reshape', reason: 'target shape "t" is not a known constant' }]);
  });
});
