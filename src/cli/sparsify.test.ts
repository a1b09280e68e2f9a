// `prune-studio sparsify` end to end through main(), on the Fashion-MNIST VGG demo: 2:4 holds in every
// eligible layer of the written file, the zipped file shrinks, the input is untouched, and the options
// are checked before any work.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNM } from '../core/compress/sparsify.js';
import { decodeModel } from '../core/onnx/codec.js';
import { tensorToFloat32 } from '../core/onnx/tensor.js';
import type { SparsifyReport } from './commands/sparsify.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-vgg.onnx';
const TWO_TASK = 'tools/fixtures/models/multi-task.onnx';
const CALIBRATION = 'public/samples/calibration';

describe('prune-studio sparsify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparsify-cli-'));

  it('--pattern 2:4: every eligible layer is 2:4 in the written file, the zipped file is smaller', async () => {
    const out = join(dir, 'vgg-24.onnx');
    const original = readFileSync(MODEL);
    const r = await runCli(['sparsify', MODEL, '-o', out, '--pattern', '2:4', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as SparsifyReport;
    expect(report.patternCheck).toEqual({ layers: 5, ok: 5 });
    expect(report.dense.map((d) => d.reason)).toEqual(['input width 1 is not a multiple of 4']);
    expect(checkNM(decodeModel(readFileSync(out)), 2, 4).filter((c) => c.eligible).every((c) => c.ok)).toBe(true);
    expect(report.fileBytes.zippedAfter).toBeLessThan(0.7 * report.fileBytes.zippedBefore);
    expect(readFileSync(MODEL).equals(original)).toBe(true);
    const text = await runCli(['sparsify', MODEL, '-o', join(dir, 'vgg-60.onnx'), '--sparsity', '0.6', '--scope', 'global']);
    expect(text.out).toMatch(/unstructured, 6 layers sparsified \(60\.0% of their weights are zero\)/);
  });

  it('refuses missing or contradictory options before any work', async () => {
    const base = ['sparsify', MODEL, '-o', join(dir, 'never.onnx')];
    expect((await runCli(base)).err).toMatch(/needs --sparsity S/);
    expect((await runCli([...base, '--sparsity', '1.2'])).err).toMatch(/--sparsity must be in \(0, 1\)/);
    expect((await runCli([...base, '--pattern', '2:4', '--sparsity', '0.7'])).err).toMatch(/2:4 zeroes 0.5 of each eligible layer/);
    expect((await runCli([...base, '--pattern', '3:2'])).err).toMatch(/use unstructured or N:M with 1 ≤ N < M/);
    expect((await runCli([...base, '--sparsity', '0.5', '--criterion', 'taylor'])).err).toMatch(/--criterion taylor needs calibration images: --images DIR/);
    expect((await runCli([...base, '--pattern', '2:4', '--scope', 'global'])).err).toMatch(/--scope global applies to unstructured/);
    expect((await runCli([...base, '--sparsity', '0.5', '--recover', 'distill'])).err).toMatch(/--recover distill needs images: --images DIR/);
    expect((await runCli([...base, '--sparsity', '0.5', '--recover', 'bn', '--images', CALIBRATION])).err).toMatch(/--recover bn does not apply to sparsify; choose from none, lsq, distill/);
    expect((await runCli([...base, '--sparsity', '0.5', '--epochs', '2', '--images', CALIBRATION])).err).toMatch(/--epochs only applies to --recover distill/);
  });

  it('--recover lsq,distill on a two-task model: per-task Taylor, the refit, then sparse fine-tuning that keeps every zero', async () => {
    const out = join(dir, 'two-task-60.onnx');
    const r = await runCli(['sparsify', TWO_TASK, '-o', out, '--sparsity', '0.6', '--criterion', 'taylor', '--images', CALIBRATION, '--limit', '32',
      '--recover', 'lsq,distill', '--epochs', '2', '--train-images', '64', '--batch', '16', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as SparsifyReport;
    expect(report.outputs).toEqual(['logits', 'reconstruction']);
    expect(report.recover).toBe('lsq,distill');
    expect(report.training!.history.length).toBe(3);
    expect(r.err).toMatch(/distill: epoch 2\/2/);
    // The written weights are still 60 % zero after training (distillation moved none of the zeros).
    const written = decodeModel(readFileSync(out));
    const zeros = report.layers.reduce((a, l) => a + Array.from(tensorToFloat32(written.graph!.initializer.find((t) => t.name === l.weight)!)).filter((x) => x === 0).length, 0);
    expect(zeros).toBeGreaterThanOrEqual(report.overall.zeros);
  }, 180_000);
});
