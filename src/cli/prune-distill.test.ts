// `prune --recover lsq,distill` end to end through main(): the chain runs in order, the report
// carries the training history, and the training options are checked before any work.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-resnet8.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune --recover lsq,distill', () => {
  it('least squares then distillation, with the epochs in the report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distill-')), 'half.onnx');
    const r = await runCli(['prune', MODEL, '-o', out, '--keep-macs', '0.5', '--images', IMAGES, '--recover', 'lsq,distill', '--epochs', '2', '--train-images', '128', '--batch', '32', '--json']);
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

  it('refuses training options without distill, unknown methods and bad values', async () => {
    const base = ['prune', MODEL, '-o', '/tmp/never.onnx', '--ratio', '0.3', '--images', IMAGES];
    expect((await runCli([...base, '--recover', 'lsq', '--epochs', '3'])).err).toMatch(/--epochs only applies to --recover distill/);
    expect((await runCli([...base, '--recover', 'lsq,sgd'])).err).toMatch(/unknown method "sgd"; choose from none, bn, bias, lsq, distill/);
    expect((await runCli([...base, '--recover', 'distill', '--epochs', '1.5'])).err).toMatch(/--epochs must be a positive whole number/);
    expect((await runCli([...base, '--recover', 'distill', '--optimizer', 'lion'])).err).toMatch(/--optimizer must be one of sgd, adamw/);
    expect((await runCli(['prune', MODEL, '-o', '/tmp/never.onnx', '--ratio', '0.3', '--recover', 'distill'])).err).toMatch(/needs images: --images DIR/);
  });
});
