// `prune --recover lsq,distill` end to end through main(): the chain runs in order, the report
// carries the training history, and the training options are checked before any work.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toFloat16 } from '../core/convert/fp16.js';
import { toFloat32 } from '../core/convert/fp32.js';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { TensorDataType } from '../core/onnx/proto.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-resnet8.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune --recover lsq,distill', () => {
  it('least squares then distillation, with the epochs in the report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distill-')), 'half.onnx');
    const r = await runCli(['prune', MODEL, '-o', out, '--keep-macs', '0.5', '--prune-steps', '1', '--images', IMAGES, '--recover', 'lsq,distill', '--epochs', '2', '--train-images', '128', '--batch', '32', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.recovery!.map((x) => x.method)).toEqual(['lsq', 'distill']);
    const lsq = report.recovery![0]!;
    const distill = report.recovery![1]!;
    expect(distill.lossBefore).toBeCloseTo(lsq.lossAfter, 6);
    expect(distill.lossAfter).toBeLessThanOrEqual(distill.lossBefore);
    const t = distill.training!;
    expect(t.history.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(t.images.train + t.images.heldOut).toBe(128);
    expect(t.settings).toMatchObject({ epochs: 2, batchSize: 32, temperature: 4 });
    expect(r.err).toMatch(/distill: epoch 2\/2 {2}loss \d/);
  }, 180_000);

  it('an fp16 model trains in float32 and is written back in fp16, exactly as its float32 copy trains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distill16-'));
    const half = toFloat16(decodeModel(readFileSync(MODEL), MODEL)).model;
    writeFileSync(join(dir, 'half.onnx'), encodeModel(half));
    writeFileSync(join(dir, 'wide.onnx'), encodeModel(toFloat32(half)));
    const run = async (name: string) => {
      const r = await runCli(['prune', join(dir, `${name}.onnx`), '-o', join(dir, `${name}-out.onnx`), '--ratio', '0.4', '--images', IMAGES, '--recover', 'distill', '--epochs', '2', '--train-images', '128', '--batch', '32', '--json']);
      expect(r.code, r.err).toBe(0);
      return { report: JSON.parse(r.out) as PruneReport, model: decodeModel(readFileSync(join(dir, `${name}-out.onnx`))) };
    };
    const [h, w] = [await run('half'), await run('wide')];
    const [dh, dw] = [h.report.recovery![0]!, w.report.recovery![0]!];
    expect(dh.lossAfter).toBeLessThan(dh.lossBefore);
    h.report.recovery![0]!.training!.history.forEach((e, i) => expect(e.heldOutLoss).toBeCloseTo(dw.training!.history[i]!.heldOutLoss, 4));
    const types = (m: ReturnType<typeof decodeModel>) => new Set(m.graph!.initializer.filter((t) => t.dims.length > 1).map((t) => t.dataType));
    expect(types(h.model)).toEqual(new Set([TensorDataType.FLOAT16]));
    expect(types(w.model)).toEqual(new Set([TensorDataType.FLOAT]));
  }, 180_000);

  it('refuses training options without distill, unknown methods and bad values', async () => {
    const base = ['prune', MODEL, '-o', '/tmp/never.onnx', '--ratio', '0.3', '--images', IMAGES];
    expect((await runCli([...base, '--recover', 'lsq', '--epochs', '3'])).err).toMatch(/--epochs only applies to --recover distill/);
    expect((await runCli([...base, '--recover', 'lsq,sgd'])).err).toMatch(/unknown method "sgd"; choose from none, bn, bias, lsq, distill/);
    expect((await runCli([...base, '--recover', 'distill', '--epochs', '1.5'])).err).toMatch(/--epochs must be a positive whole number/);
    expect((await runCli([...base, '--recover', 'distill', '--optimizer', 'lion'])).err).toMatch(/--optimizer must be one of sgd, adamw/);
    expect((await runCli(['prune', MODEL, '-o', '/tmp/never.onnx', '--ratio', '0.3', '--recover', 'distill'])).err).toMatch(/needs images: --images DIR/);
  });
});
