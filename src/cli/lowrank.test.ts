// `prune-studio lowrank` end to end through main(), on the Fashion-MNIST VGG demo: half the MACs,
// data-aware with a least-squares refit, measured on the 300 labelled test samples; then `prune`
// shrinks the new rank groups further.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { LOWRANK_METADATA_KEY } from '../core/compress/lowrank.js';
import type { LowRankReport } from './commands/lowrank.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-vgg.onnx';
const accuracy = async (file: string) => (JSON.parse((await runCli(['eval', file, '--images', 'public/samples/test', '--json'])).out) as { accuracy: number }).accuracy;

describe('prune-studio lowrank', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowrank-cli-'));

  it('--keep-macs 0.5 --images --recover lsq: ≤ half the MACs, accuracy on the 300 test samples within 3 points, rank groups prunable', async () => {
    const out = join(dir, 'vgg-lr.onnx');
    const original = readFileSync(MODEL);
    const r = await runCli(['lowrank', MODEL, '-o', out, '--keep-macs', '0.5', '--images', 'public/samples/calibration', '--recover', 'lsq', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as LowRankReport;
    expect(report.after.macs).toBeLessThanOrEqual(0.5 * report.before.macs);
    expect(report.layers.every((l) => l.dataAware && l.rank <= l.breakEven)).toBe(true);
    expect(report.refits.filter((x) => x.applied).length).toBeGreaterThan(0);
    expect(report.fileBytes.zippedAfter).toBeLessThan(report.fileBytes.zippedBefore);
    expect(readFileSync(MODEL).equals(original)).toBe(true);
    const written = decodeModel(readFileSync(out), out);
    expect(JSON.parse(written.metadataProps.find((p) => p.key === LOWRANK_METADATA_KEY)!.value).layers).toHaveLength(report.layers.length);
    const before = await accuracy(MODEL);
    const after = await accuracy(out);
    expect(before - after).toBeLessThan(0.03);

    // The factorised model is an ordinary model to `prune`: its rank groups lose channels too.
    const groups = JSON.parse((await runCli(['groups', out, '--json'])).out) as { groups: { id: string; prunable: boolean }[] };
    for (const l of report.layers) expect(groups.groups.find((g) => g.id === l.firstNode)?.prunable, l.firstNode).toBe(true);
    const pruned = await runCli(['prune', out, '-o', join(dir, 'vgg-lr-pruned.onnx'), '--ratio', '0.25', '--json']);
    expect(pruned.code, pruned.err).toBe(0);
    expect((JSON.parse(pruned.out) as PruneReport).after.macs).toBeLessThan(report.after.macs);
  }, 120_000);

  it('refuses unclear targets and recovery without images (exit 2)', async () => {
    const out = join(dir, 'x.onnx');
    expect((await runCli(['lowrank', MODEL, '-o', out, '--keep-macs', '0.5', '--energy', '0.9'])).code).toBe(2);
    expect((await runCli(['lowrank', MODEL, '-o', out])).code).toBe(2);
    expect((await runCli(['lowrank', MODEL, '-o', out, '--keep-macs', '1.5'])).err).toMatch(/--keep-macs must be in \(0, 1\)/);
    const r = await runCli(['lowrank', MODEL, '-o', out, '--rank-ratio', '0.5', '--recover', 'lsq']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--recover lsq needs calibration images/);
  });

  it('says when a MACs target cannot be met', async () => {
    const r = await runCli(['lowrank', MODEL, '-o', join(dir, 'y.onnx'), '--keep-macs', '0.01']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/even rank 1 in every factorisable layer leaves 0\.\d+ of the MACs/);
  });
});
