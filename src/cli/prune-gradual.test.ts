// `prune --keep-macs F --recover lsq,distill` reaches the target in two prune → recover rounds by
// default (--prune-steps): the report lists the steps, the plan written is one plan of the ORIGINAL
// model (the steps' plans composed) whose replay gives the same architecture, and the options are
// checked before any work.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../core/graph/ir.js';
import { computeMetrics } from '../core/metrics/model-metrics.js';
import { decodeModel } from '../core/onnx/codec.js';
import type { PrunePlan } from '../core/prune/plan.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-vgg.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune --prune-steps (gradual pruning)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradual-'));

  it('distilling to a target cuts twice by default; the composed plan replays to the same model shape', async () => {
    const out = join(dir, 'g.onnx');
    const planFile = join(dir, 'g.plan.json');
    const r = await runCli(['prune', MODEL, '-o', out, '--keep-macs', '0.5', '--criterion', 'taylor', '--limit', '64', '--images', IMAGES, '--recover', 'lsq,distill', '--epochs', '3', '--train-images', '128', '--batch', '32', '--plan-out', planFile, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.gradual!.map((s) => s.epochs)).toEqual([1, 2]);
    expect(report.gradual![0]!.keep).toBeCloseTo(Math.SQRT1_2, 12);
    expect(report.gradual![0]!.reached).toBeLessThanOrEqual(Math.SQRT1_2);
    expect(report.gradual![0]!.reached).toBeGreaterThan(0.5);
    expect(report.gradual![1]!.reached).toBeCloseTo(report.after.macs / report.before.macs, 12);
    expect(report.target).toMatchObject({ keep: 0.5, met: true });
    expect(report.recovery!.map((x) => x.method)).toEqual(['lsq', 'distill', 'lsq', 'distill']);
    expect(report.recovery![3]!.training!.history.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(r.err).toMatch(/step 1\/2: to 70\.7 % of the MACs, then 1 epoch/);
    expect(r.err).toMatch(/step 2\/2: to 50\.0 % of the MACs, then 2 epochs/);

    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as PrunePlan;
    const unpruned = decodeModel(readFileSync(MODEL), MODEL);
    const groups = Object.values(plan.groups);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g.keep.every((i) => i >= 0 && i < g.channels)).toBe(true);
    expect(plan.model.nodes).toBe(unpruned.graph!.node.length);
    expect(report.channelsRemoved).toBe(groups.reduce((s, g) => s + g.channels - g.keep.length, 0));
    const replay = join(dir, 'replay.onnx');
    expect((await runCli(['prune', MODEL, '-o', replay, '--plan', planFile])).code).toBe(0);
    const shape = (f: string) => { const m = decodeModel(readFileSync(f), f); return { metrics: computeMetrics(buildGraph(m)), dims: m.graph!.initializer.map((t) => `${t.name}:${t.dims.join('x')}`) }; };
    expect(shape(replay)).toEqual(shape(out));
    expect(Object.values(report.allocation!.ratios).some((x) => x > 0)).toBe(true);
  }, 240_000);

  it('a model with several outputs cuts once by default, twice when --prune-steps 2 asks', async () => {
    const multi = 'tools/fixtures/models/multi-task.onnx';
    const base = ['prune', multi, '--keep-macs', '0.5', '--criterion', 'l2', '--images', IMAGES, '--recover', 'lsq,distill', '--epochs', '2', '--train-images', '64', '--batch', '32', '--json'];
    const once = await runCli([...base, '-o', join(dir, 'multi-1.onnx')]);
    expect(once.code, once.err).toBe(0);
    expect((JSON.parse(once.out) as PruneReport).gradual).toBeUndefined();
    const twice = await runCli([...base, '-o', join(dir, 'multi-2.onnx'), '--prune-steps', '2']);
    expect(twice.code, twice.err).toBe(0);
    expect((JSON.parse(twice.out) as PruneReport).gradual!.map((s) => s.epochs)).toEqual([1, 1]);
  }, 120_000);

  it('one step is the one-shot path; without lsq then distill the default is one step', async () => {
    const r = await runCli(['prune', MODEL, '-o', join(dir, 'one.onnx'), '--keep-macs', '0.5', '--images', IMAGES, '--recover', 'lsq', '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as PruneReport).gradual).toBeUndefined();
    const twice = await runCli(['prune', MODEL, '-o', join(dir, 'two.onnx'), '--keep-macs', '0.5', '--images', IMAGES, '--recover', 'lsq', '--prune-steps', '2', '--json']);
    expect(twice.code, twice.err).toBe(0);
    expect((JSON.parse(twice.out) as PruneReport).gradual!.map((s) => s.epochs)).toEqual([0, 0]);
    // Distillation without the refit cuts once (a second cut would start far from the teacher).
    const distilOnly = await runCli(['prune', MODEL, '-o', join(dir, 'd.onnx'), '--keep-macs', '0.5', '--images', IMAGES, '--recover', 'distill', '--epochs', '1', '--train-images', '64', '--json']);
    expect(distilOnly.code, distilOnly.err).toBe(0);
    expect((JSON.parse(distilOnly.out) as PruneReport).gradual).toBeUndefined();
  }, 120_000);

  it('refuses steps without a target, fewer epochs than steps, and with gates', async () => {
    const base = ['prune', MODEL, '-o', join(dir, 'x.onnx'), '--images', IMAGES];
    expect((await runCli([...base, '--ratio', '0.5', '--prune-steps', '2'])).err).toMatch(/--prune-steps reaches a cost target in several cuts/);
    expect((await runCli([...base, '--keep-macs', '0.5', '--recover', 'distill', '--epochs', '2', '--prune-steps', '3'])).err).toMatch(/give at least 3 --epochs/);
    expect((await runCli([...base, '--keep-macs', '0.5', '--prune-steps', '0'])).err).toMatch(/--prune-steps must be a positive whole number/);
    expect((await runCli([...base, '--keep-macs', '0.5', '--criterion', 'gates', '--prune-steps', '2'])).err).toMatch(/--prune-steps applies to one-shot criteria/);
  });
});
