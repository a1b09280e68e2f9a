import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { cancelJob, runJob } from '../jobs';
import type { LoadModelRequest, Progress } from '../protocol';
import { loadModel } from './load-model';
import { requireLoadedModel, runnableBytes } from './loaded-model';

const read = (path: string): ArrayBuffer => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
let nextJob = 1;
const request = (fields: Omit<LoadModelRequest, 'jobId'>): LoadModelRequest => ({ jobId: nextJob++, ...fields });

describe('loadModel (the studio worker call, run inline)', () => {
  it('summarises a real torch export: nodes, edges, shapes, params, hash', async () => {
    const progress: Progress[] = [];
    const req = request({ bytes: read('e2e/fixtures/small-cnn.onnx'), fileName: 'small-cnn.onnx' });
    const result = await runJob(req.jobId, () => loadModel(req, (p) => progress.push(p)));
    if (!result.ok) throw new Error(result.error.message);
    const s = result.value;
    expect(s.nodes).toHaveLength(25);
    expect(s.inputs.map((i) => i.id)).toEqual(['input:image']);
    expect(s.outputs.map((o) => o.id)).toEqual(['output:logits']);
    const gemm = s.nodes.find((n) => n.opType === 'Gemm')!;
    expect(gemm.params).toBe(32 * 10 + 10);
    expect(gemm.macs).toBe(32 * 10);
    expect(s.nodes.find((n) => n.id === '/head/Conv')!.macs).toBe(8 * 8 * 32 * 16 * 3 * 3);
    expect(s.totals.macsLowerBound).toBe(false);
    expect(gemm.family).toBe('linear');
    expect(s.edges).toContainEqual({ from: gemm.id, to: 'output:logits', tensor: 'logits' });
    expect(s.edges).toContainEqual({ from: 'input:image', to: '/stem/stem.0/Conv', tensor: 'image' });
    const concat = s.nodes.find((n) => n.opType === 'Concat')!;
    expect(concat.attributes).toEqual([{ name: 'axis', value: '1' }]);
    expect(s.edges.filter((e) => e.to === concat.id)).toHaveLength(2);
    expect(s.tensors['head.weight']).toMatchObject({ shape: [32, 16, 3, 3], constant: true });
    expect(s.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toMatchObject({ stage: 'done', fraction: 1 });
    expect(requireLoadedModel().summary).toBe(s);
  });

  it('maps a non-ONNX file to code bad-model and keeps the previous model', async () => {
    const before = requireLoadedModel();
    const bytes = new TextEncoder().encode('{"modelTopology":{}}').buffer as ArrayBuffer;
    const req = request({ bytes, fileName: 'notes.json' });
    const result = await runJob(req.jobId, () => loadModel(req));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('bad-model');
    expect(result.error.message).toContain('notes.json');
    expect(result.error.message).toContain('JSON');
    expect(result.error.hint).not.toBe('');
    expect(requireLoadedModel()).toBe(before);
  });

  it('asks for the external data file by name, and loads when it is given', async () => {
    const onnx = 'src/core/onnx/test-data/external.onnx';
    const missing = request({ bytes: read(onnx), fileName: 'external.onnx' });
    const failed = await runJob(missing.jobId, () => loadModel(missing));
    expect(failed.ok ? undefined : failed.error.code).toBe('missing-external-data');
    expect(failed.ok ? '' : failed.error.hint).toContain('external.onnx.data');

    const given = request({
      bytes: read(onnx), fileName: 'external.onnx',
      externalData: [{ name: 'external.onnx.data', bytes: read(`${onnx}.data`) }],
    });
    const loaded = await runJob(given.jobId, () => loadModel(given));
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.value.externalDataFiles).toEqual(['external.onnx.data']);
  });

  it('gives sessions of a side-file model bytes onnxruntime-web can open alone, computing what the files compute', async () => {
    const onnx = 'src/core/onnx/test-data/external.onnx';
    const given = request({
      bytes: read(onnx), fileName: 'external.onnx',
      externalData: [{ name: 'external.onnx.data', bytes: read(`${onnx}.data`) }],
    });
    expect((await runJob(given.jobId, () => loadModel(given))).ok).toBe(true);
    const loaded = requireLoadedModel();
    const input = new ort.Tensor('float32', Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i)), [1, 3, 8, 8]);
    // The file as it came names its side file, which an in-memory session cannot reach (validation failed so).
    await expect(ortWeb.InferenceSession.create(loaded.bytes)).rejects.toThrow(/external data/i);
    const page = await ortWeb.InferenceSession.create(runnableBytes(loaded));
    expect(runnableBytes(loaded)).toBe(runnableBytes(loaded));
    const fromFiles = await ort.InferenceSession.create(onnx);
    const [a, b] = await Promise.all([page.run({ input: new ortWeb.Tensor('float32', input.data as Float32Array, input.dims) }), fromFiles.run({ input })]);
    const out = fromFiles.outputNames[0]!;
    const got = a[out]!.data as Float32Array;
    const want = b[out]!.data as Float32Array;
    expect(got.length).toBe(want.length);
    // Two runtimes' kernels: equal up to float32 rounding.
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-5);
  });

  it('stops at the next checkpoint when cancelled', async () => {
    const req = request({ bytes: read('e2e/fixtures/small-cnn.onnx'), fileName: 'small-cnn.onnx' });
    const running = runJob(req.jobId, () => loadModel(req));
    cancelJob(req.jobId);
    const result = await running;
    expect(result.ok ? undefined : result.error.code).toBe('aborted');
  });
});
