// `prune --criterion gates` end to end through main(): the written model is the pruned one at the
// MACs target, the report carries the gate histogram, and bad input is refused before any work.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PruneReport } from './commands/prune.js';
import { DEFAULT_GATES_SETTINGS } from '../core/train/gates.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-resnet8.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune --criterion gates', () => {
  it('trains gates to the MACs target and reports the histogram, the gates at 0 and the MACs met', { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gates-')), 'half.onnx');
    const r = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--keep-macs', '0.5', '--images', IMAGES, '--epochs', '2', '--train-images', '96', '--batch', '32', '--json']);
    expect(r.err).toContain('gates: epoch 2/2');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.criterion).toBe('gates');
    const g = report.gates!;
    expect(g.histogram.counts).toHaveLength(20);
    expect(g.histogram.counts.reduce((a, b) => a + b, 0)).toBe(g.totalGates);
    expect(g.zeroGates).toBe(report.channelsRemoved);
    expect(g.macs.met).toBe(true);
    expect(report.after.macs).toBe(g.macs.kept);
    expect(report.after.macs).toBeLessThanOrEqual(0.5 * report.before.macs);
    expect(g.exactness.maxDifference).toBeLessThan(1e-4);
    expect(g.training.history.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(g.fineTuneFrom).toBe(DEFAULT_GATES_SETTINGS.rewind ? 'unpruned' : 'folded');
  });

  it('refuses a run without images, without a target, or with options that do not apply', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gates-')), 'x.onnx');
    const noImages = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--keep-macs', '0.5']);
    expect(noImages.code).not.toBe(0);
    expect(noImages.err).toContain('--images DIR');
    const noTarget = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--images', IMAGES]);
    expect(noTarget.code).not.toBe(0);
    expect(noTarget.err).toContain('--keep-macs F');
    const bad = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--images', IMAGES, '--keep-macs', '1.5']);
    expect(bad.err).toContain('--keep-macs must be a fraction in (0, 1)');
    const withRecover = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--images', IMAGES, '--keep-macs', '0.5', '--recover', 'distill']);
    expect(withRecover.err).toContain('--recover does not apply to --criterion gates');
    const badFrom = await runCli(['prune', MODEL, '-o', out, '--criterion', 'gates', '--images', IMAGES, '--keep-macs', '0.5', '--fine-tune-from', 'scratch']);
    expect(badFrom.err).toContain('--fine-tune-from must be one of unpruned, folded, got "scratch"');
    const notGates = await runCli(['prune', MODEL, '-o', out, '--criterion', 'l1', '--keep-macs', '0.5', '--fine-tune-from', 'unpruned']);
    expect(notGates.err).toContain('--fine-tune-from applies to --criterion gates only');
    expect(existsSync(out)).toBe(false);
  });
});
