// `prune --keep-macs F | --keep-params F [--allocate …]` end to end through main(): the written
// model's own metrics against the target, the three allocations, contradictions refused.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../core/graph/channels/analyse.js';
import { buildGraph } from '../core/graph/ir.js';
import { decodeModel } from '../core/onnx/codec.js';
import type { PrunePlan } from '../core/prune/plan.js';
import { keepCount } from '../core/prune/planner.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const DEMO = 'public/models/fmnist-resnet8.onnx';
const TORCH = 'tools/fixtures/models/resnet-basic-bn.onnx';
const IMAGES = 'public/samples/test';
const dir = mkdtempSync(join(tmpdir(), 'prune-target-'));

async function prune(args: string[]): Promise<{ report: PruneReport; err: string; out: string }> {
  const r = await runCli(['prune', ...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return { report: JSON.parse(r.out) as PruneReport, err: r.err, out: r.out };
}

describe('prune --keep-macs / --keep-params', () => {
  it('global (default): keeps at most half the MACs, close to half, measured on the written model; the plan round-trips', async () => {
    const out = join(dir, 'global.onnx');
    const planOut = join(dir, 'global.plan.json');
    const { report, err } = await prune([DEMO, '-o', out, '--keep-macs', '0.5', '--plan-out', planOut]);
    expect(err).toBe('');
    expect(report.target).toEqual({ kind: 'macs', keep: 0.5, reached: report.after.macs / report.before.macs, met: true });
    expect(report.target!.reached).toBeLessThanOrEqual(0.5);
    expect(report.target!.reached).toBeGreaterThan(0.49);
    expect(report.allocation!.method).toBe('global');
    expect(new Set(Object.values(report.allocation!.ratios)).size).toBeGreaterThan(1);
    const again = join(dir, 'again.onnx');
    expect((await runCli(['prune', DEMO, '-o', again, '--plan', planOut])).code).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(out));
    const text = await runCli(['prune', DEMO, '-o', join(dir, 't.onnx'), '--keep-macs', '0.5']);
    expect(text.out).toMatch(/ {2}target {2}keep 50\.0 % of MACs \(global\): kept 49\.\d %\n/);
  });

  it('uniform on a torch fixture: one ratio for every group (with --round-to), params at most the target', async () => {
    const out = join(dir, 'uniform.onnx');
    const planOut = join(dir, 'uniform.plan.json');
    const { report } = await prune([TORCH, '-o', out, '--keep-params', '0.5', '--allocate', 'uniform', '--round-to', '2', '--plan-out', planOut]);
    expect(report.target!.met).toBe(true);
    expect(report.after.params / report.before.params).toBeLessThanOrEqual(0.5);
    const ratio = report.allocation!.ratio!;
    expect(ratio).toBeGreaterThan(0);
    const plan = JSON.parse(readFileSync(planOut, 'utf8')) as PrunePlan;
    const analysis = analyseChannels(buildGraph(decodeModel(readFileSync(TORCH))));
    for (const g of analysis.groups.filter((x) => x.prunable)) {
      expect(plan.groups[g.id]?.keep.length ?? g.channels, g.id).toBe(keepCount(g.channels, ratio, { roundTo: 2 }));
    }
  });

  it('sensitivity: measures per-group curves on --images and allocates by them', async () => {
    const { report, err } = await prune([DEMO, '-o', join(dir, 'sens.onnx'), '--keep-macs', '0.5', '--allocate', 'sensitivity', '--images', IMAGES]);
    expect(err).toMatch(/sensitivity: 54\/54/);
    expect(report.allocation).toMatchObject({ method: 'sensitivity', images: 256, metric: 'accuracy' });
    expect(report.allocation!.predictedDrop).toBeGreaterThan(0);
    expect(report.target!.met).toBe(true);
    expect(report.target!.reached).toBeGreaterThan(0.49);
    const global = (await prune([DEMO, '-o', join(dir, 'g.onnx'), '--keep-macs', '0.5'])).report;
    expect(report.allocation!.ratios).not.toEqual(global.allocation!.ratios);
  }, 120_000);

  it('with --recover lsq and a data criterion: the recovered model is written, the target still met', async () => {
    const { report, err } = await prune([DEMO, '-o', join(dir, 'rec.onnx'), '--keep-macs', '0.6', '--criterion', 'taylor', '--images', IMAGES, '--recover', 'lsq']);
    expect(err).toMatch(/recovery \(lsq, 300 (calibration )?images\): calibration KL [\d.]+ → [\d.]+/);
    expect(report.criterion).toBe('taylor');
    expect(report.target).toMatchObject({ kind: 'macs', keep: 0.6, met: true });
    expect(report.target!.reached).toBeGreaterThan(0.58);
  }, 120_000);

  it('writes the closest plan and warns when the target cannot be met', async () => {
    const out = join(dir, 'capped.onnx');
    const { report, err } = await prune([DEMO, '-o', out, '--keep-macs', '0.2', '--max-ratio', '0.3']);
    expect(existsSync(out)).toBe(true);
    expect(report.target!.met).toBe(false);
    expect(report.target!.reached).toBeGreaterThan(0.2);
    expect(Math.max(...Object.values(report.allocation!.ratios))).toBeLessThanOrEqual(0.3);
    expect(err).toMatch(/warning: the target \(keep 20\.0 % of MACs\) cannot be met: every group it could prune is at --max-ratio 0\.3, and the model still keeps \d+\.\d %; the closest plan was written\. To go further: raise --max-ratio/);
  });

  it('counts MACs at --input-shape for a model with dynamic H/W', async () => {
    const file = 'src/core/graph/test-data/tiny-encoder.onnx';
    const { report } = await prune([file, '-o', join(dir, 'enc.onnx'), '--keep-macs', '0.9', '--input-shape', '1,3,16,24']);
    expect(report.before.macsLowerBound).toBe(false);
    expect(report.target!.met).toBe(true);
    expect(report.after.macs / report.before.macs).toBeLessThanOrEqual(0.9);
    const unsized = await runCli(['prune', file, '-o', join(dir, 'enc2.onnx'), '--keep-macs', '0.9']);
    expect(unsized.err).toMatch(/some MACs of the model are unknown \(dynamic input dims\).*give --input-shape/);
  });

  it('refuses contradictory or incomplete options with what to do', async () => {
    const out = join(dir, 'x.onnx');
    const refused = async (args: string[], message: RegExp) => {
      const r = await runCli(['prune', DEMO, '-o', out, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    };
    await refused(['--keep-macs', '0.5', '--ratio', '0.3'], /--ratio and --keep-macs both choose how much to remove/);
    await refused(['--keep-params', '0.5', '--plan', 'p.json'], /--plan applies a plan as it is.*--keep-params 0\.5 --plan-out PLAN\.json/);
    await refused(['--keep-macs', '0.5', '--lossless'], /drop --keep-macs or --lossless/);
    await refused(['--keep-macs', '0.5', '--keep-params', '0.5'], /one of --keep-macs and --keep-params/);
    await refused(['--keep-macs', '1'], /--keep-macs must be a fraction in \(0, 1\)/);
    await refused(['--keep-macs', '0'], /--keep-macs must be a fraction in \(0, 1\)/);
    await refused(['--keep-macs', 'half'], /--keep-macs needs a number/);
    await refused(['--ratio', '0.3', '--allocate', 'global'], /--allocate global spreads a cost target.*--keep-macs F/);
    await refused(['--keep-macs', '0.5', '--allocate', 'sensitivity'], /--allocate sensitivity .* give --images DIR/);
    await refused(['--keep-macs', '0.5', '--allocate', 'greedy'], /--allocate must be one of uniform, global, sensitivity/);
    await refused([], /exactly one of --ratio, --keep-macs, --keep-params, --plan or --lossless/);
    expect(existsSync(out)).toBe(false);
  });
});
