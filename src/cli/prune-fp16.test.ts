// `prune-studio prune --fp16` end to end through main(): the written model is the pruned one in
// fp16 (converter layout), runs on fp32 inputs like the fp32 pruned model, and the report says so.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { TensorDataType } from '../core/onnx/proto.js';
import { randomInputs, runModel, worstMismatch } from '../core/prune/test-utils/ort.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'tools/fixtures/models/rsu-fp32.onnx';

describe('prune-studio prune --fp16', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prune-fp16-'));
  const original = readFileSync(MODEL);

  it('writes the pruned model in fp16 with about half the bytes, and it runs like the fp32 one', async () => {
    const fp32Out = join(dir, 'rsu.onnx');
    const fp16Out = join(dir, 'rsu.fp16.onnx');
    const full = JSON.parse((await runCli(['prune', MODEL, '-o', fp32Out, '--ratio', '0.5', '--json'])).out) as PruneReport;
    const r = await runCli(['prune', MODEL, '-o', fp16Out, '--ratio', '0.5', '--fp16', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^fp16: \d+ constants converted, 19 Casts added, 8 nodes kept in fp32 \(Resize\)\n$/);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.after.params).toBe(full.after.params);
    expect(report.after.bytes).toBeLessThan(full.after.bytes * 0.52);
    expect(report.fileBytes.after).toBeLessThan(full.fileBytes.after); // the graph's own bytes do not halve
    expect(report.fp16).toMatchObject({ keptFp32Ops: ['Resize'], clamped: [], alreadyFloat16: false });
    expect(full.fp16).toBeUndefined();
    expect(readFileSync(MODEL)).toEqual(original);

    const half = decodeModel(readFileSync(fp16Out), fp16Out);
    const types = new Set(half.graph!.initializer.map((t) => t.dataType));
    expect(types.has(TensorDataType.FLOAT16) && !types.has(TensorDataType.FLOAT)).toBe(true);
    const feeds = randomInputs([{ name: 'input', shape: ['batch', 3, 32, 32] }], 4);
    const [want, got] = await Promise.all([runModel(readFileSync(fp32Out), feeds), runModel(half, feeds)]);
    for (const k of Object.keys(want)) {
      expect(got[k]!.dims).toEqual(want[k]!.dims);
      expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-2), k).toBeLessThanOrEqual(1);
    }
  });

  it('says so in the text report, and writes an fp16 model as it is', async () => {
    const text = await runCli(['prune', 'tools/fixtures/models/rsu-fp16.onnx', '-o', join(dir, 'again.onnx'), '--ratio', '0.25', '--fp16']);
    expect(text.code).toBe(0);
    expect(text.err).toBe('fp16: the model has no float32 weights (already fp16): written as it is\n');
    expect(text.out).toMatch(/bytes {3}[\d,]+ → [\d,]+ {2}\(−[\d.]+%\) {2}\(fp16\)\n {2}file {4}[\d,]+ → [\d,]+ bytes\n/);
  });

  it('refuses a quantized model before it prunes and recovers it, writing nothing', async () => {
    const out = join(dir, 'quant.fp16.onnx');
    const r = await runCli(['prune', 'tools/fixtures/models/quant-qdq.onnx', '-o', out, '--ratio', '0.3', '--fp16', '--recover', 'bias', '--images', 'public/samples']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/cannot convert to fp16: the model is quantized .*export without fp16/);
    expect(r.err).not.toMatch(/recovery/);
    expect(existsSync(out)).toBe(false);
  });
});
