// How many images a data criterion scores on: the criterion's default (taylor: 4,096, so every one of
// the 512 calibration images here), or --limit N, the same for `score` and `prune`: prune keeps the
// top-k of the ranking `score` prints from the same images, and fewer images give another ranking.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrunePlan } from '../core/prune/plan.js';
import { keepCount } from '../core/prune/planner.js';
import { scoreImages } from '../core/score/criteria.js';
import type { ScoreReport } from './commands/score.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-resnet8.onnx';
const IMAGES = 'public/samples/calibration';
const RATIO = 0.5;

const topK = (scores: readonly number[], keep: number) =>
  Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, keep).sort((a, b) => a - b);

describe('prune/score --limit: the images a data criterion reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limit-'));

  async function planAndScores(limit: string[]): Promise<{ plan: PrunePlan; report: ScoreReport }> {
    const planFile = join(dir, `plan${limit.join('')}.json`);
    const pruned = await runCli(['prune', MODEL, '-o', join(dir, `m${limit.join('')}.onnx`), '--ratio', String(RATIO), '--criterion', 'taylor', '--images', IMAGES, ...limit, '--plan-out', planFile]);
    expect(pruned.code, pruned.err).toBe(0);
    const scored = await runCli(['score', MODEL, '--criterion', 'taylor', '--images', IMAGES, ...limit, '--json']);
    expect(scored.code, scored.err).toBe(0);
    return { plan: JSON.parse(readFileSync(planFile, 'utf8')) as PrunePlan, report: JSON.parse(scored.out) as ScoreReport };
  }

  it('taylor reads thousands of images by default; prune keeps the top-k of what score prints, with and without --limit', async () => {
    expect(scoreImages('taylor')).toBeGreaterThanOrEqual(4096);
    expect(scoreImages('oracle')).toBe(256);
    const all = await planAndScores([]);
    const few = await planAndScores(['--limit', '32']);
    expect(all.report.images).toBe(512);
    expect(few.report.images).toBe(32);
    for (const { plan, report } of [all, few]) {
      for (const g of report.groups) expect(plan.groups[g.id]?.keep, g.id).toEqual(topK(g.scores, keepCount(g.scores.length, RATIO)));
    }
    // 32 images rank differently from 512: --limit reached the criterion.
    expect(Object.keys(all.plan.groups).some((id) => JSON.stringify(all.plan.groups[id]!.keep) !== JSON.stringify(few.plan.groups[id]!.keep))).toBe(true);
  }, 120_000);

  it('refuses --limit where no criterion reads images', async () => {
    const r = await runCli(['prune', MODEL, '-o', join(dir, 'l2.onnx'), '--ratio', '0.5', '--criterion', 'l2', '--limit', '8']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--limit: criterion l2 reads no images/);
  });
});
