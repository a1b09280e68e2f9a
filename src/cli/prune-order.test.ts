// --order-by: one criterion allocates (how many channels each group loses), another picks which.
// Same widths as the plain criterion, other channels, and prune keeps the top-k of what score prints.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrunePlan } from '../core/prune/plan.js';
import type { ScoreReport } from './commands/score.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-squeezenet.onnx';
const IMAGES = 'public/samples/calibration';

const topK = (scores: readonly number[], keep: number) =>
  Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, keep).sort((a, b) => a - b);

describe('prune/score --order-by', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-'));

  async function plan(extra: string[], name: string): Promise<PrunePlan> {
    const planFile = join(dir, `${name}.json`);
    const r = await runCli(['prune', MODEL, '-o', join(dir, `${name}.onnx`), '--keep-macs', '0.5', '--criterion', 'l2', '--images', IMAGES, '--plan-out', planFile, '--json', ...extra]);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { orderBy?: string }).orderBy).toBe(extra.includes('reconstruction') ? 'reconstruction' : undefined);
    return JSON.parse(readFileSync(planFile, 'utf8')) as PrunePlan;
  }

  it('keeps the criterion’s widths, takes the channels in reconstruction order, and agrees with score', async () => {
    const plain = await plan([], 'plain');
    const ordered = await plan(['--order-by', 'reconstruction'], 'ordered');
    expect(Object.keys(ordered.groups).sort()).toEqual(Object.keys(plain.groups).sort());
    for (const [id, g] of Object.entries(plain.groups)) expect(ordered.groups[id]!.keep.length, id).toBe(g.keep.length);
    expect(Object.entries(plain.groups).some(([id, g]) => ordered.groups[id]!.keep.join() !== g.keep.join())).toBe(true);

    const scored = await runCli(['score', MODEL, '--criterion', 'reconstruction', '--images', IMAGES, '--json']);
    expect(scored.code, scored.err).toBe(0);
    const report = JSON.parse(scored.out) as ScoreReport;
    for (const g of report.groups) {
      const keep = ordered.groups[g.id]?.keep;
      if (keep) expect(keep, g.id).toEqual(topK(g.scores, keep.length));
    }
  }, 120_000);

  it('orders by reconstruction by default before least squares on a one-output model; --order-by none keeps the criterion\'s order', async () => {
    const run = async (extra: string[]) => {
      const r = await runCli(['prune', MODEL, '-o', join(dir, 'd.onnx'), '--keep-macs', '0.5', '--criterion', 'l2', '--images', IMAGES, '--recover', 'lsq', '--json', ...extra]);
      expect(r.code, r.err).toBe(0);
      return { report: JSON.parse(r.out) as { orderBy?: string }, err: r.err };
    };
    const byDefault = await run([]);
    expect(byDefault.report.orderBy).toBe('reconstruction');
    expect(byDefault.err).toMatch(/ordered by reconstruction.*--order-by none/);
    expect((await run(['--order-by', 'none'])).report.orderBy).toBeUndefined();
  }, 120_000);

  it('allocates by reconstruction when --criterion is not given before least squares, unless it cannot rank every group', async () => {
    const run = async (model: string) => {
      const r = await runCli(['prune', model, '-o', join(dir, 'c.onnx'), '--keep-macs', '0.5', '--images', IMAGES, '--recover', 'lsq', '--json']);
      expect(r.code, r.err).toBe(0);
      return { report: JSON.parse(r.out) as { criterion: string; orderBy?: string }, err: r.err };
    };
    const squeezenet = await run(MODEL);
    expect(squeezenet.report).toMatchObject({ criterion: 'reconstruction' });
    expect(squeezenet.report.orderBy).toBeUndefined();
    expect(squeezenet.err).toMatch(/criterion reconstruction \(the default before least squares\)/);
    // The VGG's last conv is read only by Flatten → Gemm (1,569 columns), which reconstruction leaves out.
    const vgg = await run('public/models/fmnist-vgg.onnx');
    expect(vgg.report).toMatchObject({ criterion: 'l2', orderBy: 'reconstruction' });
    expect(vgg.err).toMatch(/criterion l2 \(the default; not reconstruction: reconstruction cannot rank 1 of its groups/);
  }, 240_000);

  it('on a model with attention heads, another criterion before least squares gets a note naming reconstruction', async () => {
    const run = async (criterion: string) => {
      const r = await runCli(['prune', 'public/models/fmnist-vit.onnx', '-o', join(dir, 'v.onnx'), '--ratio', '0.25', '--criterion', criterion, '--images', IMAGES, '--recover', 'lsq']);
      expect(r.code, r.err).toBe(0);
      return r.err;
    };
    expect(await run('l2')).toMatch(/note: with attention heads, --criterion reconstruction/);
    expect(await run('reconstruction')).not.toMatch(/note: with attention heads/);
  }, 120_000);

  it('needs images for a data criterion', async () => {
    const r = await runCli(['prune', MODEL, '-o', join(dir, 'x.onnx'), '--keep-macs', '0.5', '--order-by', 'reconstruction']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--order-by reconstruction needs --images DIR/);
  });
});
