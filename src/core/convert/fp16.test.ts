// toFloat16 on small graphs that reach what the fixtures do not: scale arithmetic kept fp32 for
// Resize, a constant read by fp32 and fp16 ops, ConstantOfShape and Constant value_float, a graph
// output read inside the graph, value_info, out-of-range values, control flow.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { TensorDataType, type ModelProto, type NodeProto } from '../onnx/proto.js';
import { tensorToNumbers } from '../onnx/tensor.js';
import { attrInt, attrTensor } from '../graph/attributes.js';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { randomInputs, runModel, worstMismatch } from '../prune/test-utils/ort.js';
import { FLOAT16_MAX, toFloat16 } from './fp16.js';

const F32 = TensorDataType.FLOAT;
const F16 = TensorDataType.FLOAT16;
const byOutput = (m: ModelProto, out: string): NodeProto => m.graph!.node.find((n) => n.output.includes(out))!;
const init = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name);

describe('a Resize whose scales are computed from a shape, with a shared constant', () => {
  // Conv → Resize by [1, 1, k·h/h, k·w/w] (Shape → Slice → Cast(to float) → Mul → Div → Concat);
  // k also scales the Conv output on the fp16 side; y is a graph output read by z.
  const model = new GraphBuilder(13)
    .input('x', [1, 2, 4, 4])
    .weight('w', [2, 2, 1, 1])
    .floats('k', [1.5])
    .floats('ones', [1, 1])
    .ints('starts', [2]).ints('ends', [4])
    .node('Conv', ['x', 'w'], ['c'])
    .node('Shape', ['c'], ['s'])
    .node('Slice', ['s', 'starts', 'ends'], ['hw'])
    .node('Cast', ['hw'], ['hwf'], { to: F32 })
    .node('Mul', ['hwf', 'k'], ['khw'])
    .node('Div', ['khw', 'hwf'], ['ratio'])
    .node('Concat', ['ones', 'ratio'], ['scales'], { axis: 0 })
    .node('Resize', ['c', '', 'scales'], ['r'], { mode: 'nearest' })
    .node('Cast', ['r'], ['rc'], { to: F32 })
    .node('Relu', ['rc'], ['y'])
    .node('Add', ['y', 'y'], ['z'])
    .node('Mul', ['c', 'k'], ['m'])
    .node('ConstantOfShape', ['s'], ['zeros'])
    .node('Add', ['m', 'zeros'], ['mz'])
    .hint('m', [1, 2, 4, 4])
    .output('y').output('z').output('mz')
    .build();
  const before = encodeModel(model);
  const { model: half, report } = toFloat16(model);

  it('runs with the fp32 outputs, to fp16 precision, and leaves the input alone', async () => {
    expect(encodeModel(model)).toEqual(before);
    const feeds = randomInputs([{ name: 'x', shape: [1, 2, 4, 4] }], 3);
    const [want, got] = await Promise.all([runModel(model, feeds), runModel(half, feeds)]);
    expect(got.y!.dims).toEqual([1, 2, 6, 6]);
    for (const k of ['y', 'z', 'mz']) {
      expect(got[k]!.dims).toEqual(want[k]!.dims);
      expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-2), k).toBeLessThanOrEqual(1);
    }
    expect(half.graph!.output.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual(model.graph!.output.map((o) => [o.name, o.type?.tensorType?.elemType]));
  });

  it('keeps the scale arithmetic and its constants fp32, and gives the fp16 side its own copy of k', () => {
    expect(report.keptFp32Nodes.sort()).toEqual(['hwf', 'khw', 'r', 'ratio', 'scales']);
    expect(attrInt(byOutput(half, 'hwf'), 'to', 0)).toBe(F32);
    expect(init(half, 'k')!.dataType).toBe(F32);
    expect(init(half, 'ones')!.dataType).toBe(F32);
    expect(init(half, 'w')!.dataType).toBe(F16);
    const mul = byOutput(half, 'm');
    expect(init(half, mul.input[1]!)!.dataType).toBe(F16);
    expect(mul.input[1]).not.toBe('k');
    expect(byOutput(half, 'khw').input[1]).toBe('k');
  });

  it('casts around Resize, retargets the internal Cast, fills ConstantOfShape in fp16, retypes value_info', () => {
    const resize = byOutput(half, 'r');
    expect(byOutput(half, resize.input[0]!).opType).toBe('Cast');
    expect(attrInt(byOutput(half, resize.input[0]!), 'to', 0)).toBe(F32);
    expect(attrInt(byOutput(half, 'rc'), 'to', 0)).toBe(F16);
    expect(attrTensor(byOutput(half, 'zeros'), 'value')?.dataType).toBe(F16);
    expect(half.graph!.valueInfo.find((v) => v.name === 'm')?.type?.tensorType?.elemType).toBe(F16);
    // y is read by z in fp16 and written as fp32 for the caller: one Cast each way, not two.
    const yCast = byOutput(half, 'y');
    expect([yCast.opType, attrInt(yCast, 'to', 0)]).toEqual(['Cast', F32]);
    expect(byOutput(half, byOutput(half, 'z').input[0]!).input).toEqual([yCast.input[0], yCast.input[0]]);
  });
});

it('clamps finite values beyond ±65504 and reports them by tensor; infinities stay', async () => {
  const model = new GraphBuilder(13)
    .input('x', [4])
    .floats('big', [1e5, -7e4, 0.5, -Infinity])
    .node('Mul', ['x', 'big'], ['y'])
    .output('y')
    .build();
  const { model: half, report } = toFloat16(model);
  expect(report.clamped).toEqual([{ tensor: 'big', count: 2, maxAbs: 1e5 }]);
  expect(Array.from(tensorToNumbers(init(half, 'big')!))).toEqual([FLOAT16_MAX, -FLOAT16_MAX, 0.5, -Infinity]);
  const feeds = randomInputs([{ name: 'x', shape: [4] }], 1);
  expect((await runModel(half, feeds)).y!.data[2]).toBeCloseTo(feeds.x!.data[2] as number * 0.5, 3);
});

it('writes Constant value_float as an fp16 value and EyeLike as fp16, keeps RandomNormal fp32 (no fp16 kernel)', async () => {
  const model = new GraphBuilder(13)
    .input('x', [2, 2])
    .node('Constant', [], ['two'], { value_float: { f: 2 } })
    .node('Mul', ['x', 'two'], ['y'])
    .node('RandomNormal', [], ['noise'], { shape: [2, 2] })
    .node('EyeLike', ['x'], ['eye'], { dtype: F32 })
    .output('y').output('noise').output('eye')
    .build();
  const { model: half } = toFloat16(model);
  const two = byOutput(half, 'two');
  expect(two.attribute.map((a) => a.name)).toEqual(['value']);
  expect(attrTensor(two, 'value')?.dataType).toBe(F16);
  const noise = byOutput(half, 'noise');
  expect([noise.opType, attrInt(noise, 'dtype', F32)]).toEqual(['RandomNormal', F32]);
  expect(toFloat16(model).report.keptFp32Nodes).toEqual(['noise']);
  expect(attrInt(byOutput(half, byOutput(half, 'eye').input[0]!), 'dtype', 0)).toBe(F16);
  const feeds = randomInputs([{ name: 'x', shape: [2, 2] }], 2);
  const out = await runModel(half, feeds);
  expect(Array.from(out.eye!.data)).toEqual([1, 0, 0, 1]);
  expect(worstMismatch(Float32Array.from(feeds.x!.data as Float32Array, (v) => 2 * v), out.y!.data, 1e-3)).toBeLessThanOrEqual(1);
});

it('refuses control flow, naming the node', () => {
  const model = decodeModel(readFileSync(new URL('../prune/test-data/if-subgraph.onnx', import.meta.url)), 'if-subgraph.onnx');
  expect(() => toFloat16(model)).toThrow(/cannot convert to fp16: If ".+" holds a subgraph/);
});
