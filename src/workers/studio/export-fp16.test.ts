// Studio export with "fp16 weights": the worker writes the pruned model in fp16 (after recovery),
// with fp32 inputs and outputs, and it gives the fp32 export's outputs to fp16 precision.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { decodeModel } from '../../core/onnx/codec';
import { TensorDataType } from '../../core/onnx/proto';
import { runJob } from '../jobs';
import { exportPruned } from './export';
import { listGroups } from './groups';
import { loadModel } from './load-model';

const bytes = readFileSync('e2e/fixtures/small-cnn.onnx');
let job = 500;

async function run(model: ArrayBuffer, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(new Uint8Array(model));
  try {
    const out = await session.run(feeds);
    const first = out[session.outputNames[0]!]!;
    expect(first.type).toBe('float32');
    return first.data as Float32Array;
  } finally {
    await session.release();
  }
}

it('exports the pruned model in fp16 when asked: half the weight bytes, fp32 inputs/outputs, the same outputs to fp16 precision', async () => {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const loaded = await runJob(1, () => loadModel({ jobId: job++, bytes: copy, fileName: 'small-cnn.onnx' }));
  if (!loaded.ok) throw new Error(loaded.error.message);
  const ratios = Object.fromEntries(listGroups().filter((g) => g.prunable).map((g) => [g.id, 0.5]));
  const plan = { ratios, roundTo: 1, criterion: 'l1' };
  const full = await exportPruned({ jobId: job++, plan, recovery: 'none' });
  const half = await exportPruned({ jobId: job++, plan, recovery: 'none', fp16: true });
  expect(full.fp16Note).toBeUndefined();
  expect(half.fp16Note).toMatch(/^\d+ tensors in fp16$/);
  expect(half.planJson).toBe(full.planJson);
  expect(half.after.params).toBe(full.after.params);
  expect(half.after.bytes).toBeLessThan(full.after.bytes * 0.52);
  expect(half.bytes.byteLength).toBeLessThan(full.bytes.byteLength * 0.6);
  const model = decodeModel(new Uint8Array(half.bytes), 'pruned.fp16.onnx');
  expect(model.graph!.initializer.filter((t) => t.dataType === TensorDataType.FLOAT)).toEqual([]);
  expect(model.graph!.input.map((i) => i.type?.tensorType?.elemType)).toEqual([TensorDataType.FLOAT]);

  const input = model.graph!.input[0]!.name;
  const dims = [2, 3, 32, 32];
  const feeds = { [input]: new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i)), dims) };
  const [want, got] = await Promise.all([run(full.bytes, feeds), run(half.bytes, feeds)]);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(want[i]! - got[i]!)).toBeLessThanOrEqual(1e-2 * scale);
});
