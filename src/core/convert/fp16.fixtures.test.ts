// toFloat16 on real exporter fixtures: the fp16 model runs in onnxruntime with the same inputs and
// outputs as the fp32 one, agrees with it to fp16 precision, stores half the weight bytes, and
// prunes like it (pruning then converting, or converting then pruning).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { resolveExternalData } from '../onnx/external-data.js';
import { onnx, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { buildGraph } from '../graph/ir.js';
import { validateModel } from '../graph/validate.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { applyPlan } from '../prune/apply.js';
import { halfPlan } from '../prune/test-utils/masked.js';
import { randomInputs, runModel } from '../prune/test-utils/ort.js';
import { toFloat16 } from './fp16.js';

const DIR = new URL('../../../tools/fixtures/models/', import.meta.url);
interface Fixture { file: string; inputs: { name: string; shape: (number | string)[] }[] }
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { fixtures: Fixture[] };
const FILES = ['resnet-basic-bn', 'mobilenet-v2', 'rsu-fp32', 'segmentation', 'convnext', 'vgg-flatten', 'shufflenet-v2', 'paddle-style', 'dynamo-style'];
const fixtures = FILES.map((f) => manifest.fixtures.find((x) => x.file === `${f}.onnx`)!);

/**
 * fp16 agreement: max |a − b| ≤ 1e-2 · max(1, max |a|) per output. Relative to the output's scale,
 * not per element: fp16 rounding of 20+ layers of untrained weights leaves errors of ~1e-2 of the
 * largest logit on any element, small logits included.
 */
function fp16Mismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!));
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst / (1e-2 * scale);
}

/** Output name → element type and dims, as onnxruntime reports them. */
async function outputTypes(model: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, [string, number[]]>> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [v.type, [...v.dims]]]));
  } finally {
    await session.release();
  }
}

async function expectAgree(want: ModelProto, got: ModelProto, feeds: Record<string, ort.Tensor>): Promise<void> {
  const [a, b] = await Promise.all([runModel(want, feeds), runModel(got, feeds)]);
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a)) expect(fp16Mismatch(a[k]!.data, b[k]!.data), k).toBeLessThanOrEqual(1);
}

const ioOf = (m: ModelProto) => [...m.graph!.input, ...m.graph!.output].map((vi) => onnx.ValueInfoProto.encode(vi).finish());

describe.each(fixtures)('toFloat16 on $file', async (fixture) => {
  const model = await resolveExternalData(decodeModel(readFileSync(new URL(fixture.file, DIR)), fixture.file), (loc) => readFileSync(new URL(loc, DIR)), fixture.file);
  const bytesBefore = encodeModel(model);
  const { model: half, report } = toFloat16(model);
  const feeds = randomInputs(fixture.inputs, 11);

  it('leaves the input alone and writes a valid model with unique names', () => {
    expect(encodeModel(model)).toEqual(bytesBefore);
    expect(validateModel(half).errors).toEqual([]);
    const g = half.graph!;
    const tensors = [...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name), ...g.node.flatMap((n) => n.output.filter(Boolean))];
    expect(new Set(tensors).size).toBe(tensors.length);
    const nodeNames = g.node.map((n) => n.name).filter(Boolean);
    expect(new Set(nodeNames).size).toBe(nodeNames.length);
  });

  it('keeps the declared inputs and outputs, runs with the same output types and shapes, within fp16 tolerance', async () => {
    expect(ioOf(half)).toEqual(ioOf(model));
    const [want, got] = await Promise.all([outputTypes(model, feeds), outputTypes(half, feeds)]);
    expect(got).toEqual(want);
    await expectAgree(model, half, feeds);
  });

  it('stores every float32 weight in fp16 (the fp32-only ops\' scales excepted): about half the bytes', () => {
    const kept = new Set(report.keptFp32Constants);
    const stillFloat = half.graph!.initializer.filter((t) => t.dataType === TensorDataType.FLOAT).map((t) => t.name);
    expect(stillFloat.filter((n) => !kept.has(n))).toEqual([]);
    expect(report.convertedConstants).toBeGreaterThan(0);
    expect(report.clamped).toEqual([]);
    const ratio = modelMetrics(half).bytes / modelMetrics(model).bytes;
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(ratio).toBeLessThan(0.52);
    expect(modelMetrics(half).params).toBe(modelMetrics(model).params);
  });

  it('prunes like the fp32 model, converted before or after pruning', async () => {
    const analysis = analyseChannels(buildGraph(model));
    const halfAnalysis = analyseChannels(buildGraph(half));
    const groups = (a: typeof analysis) => a.groups.map((g) => [g.id, g.channels, g.prunable]);
    expect(groups(halfAnalysis)).toEqual(groups(analysis));
    const plan = halfPlan(analysis);
    const pruned = applyPlan(model, plan, analysis);
    const prunedHalf = applyPlan(half, plan, halfAnalysis);
    expect(modelMetrics(prunedHalf).params).toBe(modelMetrics(pruned).params);
    expect(modelMetrics(prunedHalf).params).toBeLessThan(modelMetrics(model).params);
    await expectAgree(pruned, prunedHalf, feeds);
    await expectAgree(pruned, toFloat16(pruned).model, feeds);
  });
});

it('keeps Resize in fp32 behind Casts on rsu-fp32, as the converter did for rsu-fp16', () => {
  const model = decodeModel(readFileSync(new URL('rsu-fp32.onnx', DIR)), 'rsu-fp32.onnx');
  const converted = decodeModel(readFileSync(new URL('rsu-fp16.onnx', DIR)), 'rsu-fp16.onnx');
  const { model: half, report } = toFloat16(model);
  const count = (m: ModelProto, op: string) => m.graph!.node.filter((n) => n.opType === op).length;
  const kept = new Set(report.keptFp32Nodes);
  expect(half.graph!.node.filter((n) => kept.has(n.name)).map((n) => n.opType)).toEqual(Array(8).fill('Resize'));
  for (const op of ['Cast', 'Resize', 'Conv', 'Constant']) expect(count(half, op), op).toBe(count(converted, op));
  const typeOf = (m: ModelProto) => new Map(m.graph!.initializer.map((t) => [t.name, t.dataType]));
  expect(typeOf(half)).toEqual(typeOf(converted));
});

it('returns an fp16 model (rsu-fp16) unchanged', () => {
  const model = decodeModel(readFileSync(new URL('rsu-fp16.onnx', DIR)), 'rsu-fp16.onnx');
  const { model: same, report } = toFloat16(model);
  expect(report.alreadyFloat16).toBe(true);
  expect(encodeModel(same)).toEqual(encodeModel(model));
});

it('refuses a custom op whose output type is unknown, naming the tensor', () => {
  const model = decodeModel(readFileSync(new URL('edge-custom-op.onnx', DIR)), 'edge-custom-op.onnx');
  expect(() => toFloat16(model)).toThrow(/element type of "custom" \(from CustomFoo/);
});

it.each(['quant-dynamic.onnx', 'quant-qdq.onnx', 'quant-qoperator.onnx'])('refuses the quantized %s (its weights are already 8-bit)', (file) => {
  const model = decodeModel(readFileSync(new URL(file, DIR)), file);
  expect(() => toFloat16(model)).toThrow(/the model is quantized .* export without fp16/);
});
