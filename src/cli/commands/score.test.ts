// score / sensitivity / prune --criterion --recover through main(), on a small torch fixture and
// the bundled sample images.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreReport } from './score.js';
import { runCli } from '../test-utils/run-cli.js';

const run = runCli;

const MODEL = 'tools/fixtures/models/resnet-basic-fused.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune-studio score / sensitivity', () => {
  it('score --criterion taylor --json scores every prunable group on the images', async () => {
    const { code, out } = await run(['score', MODEL, '--criterion', 'taylor', '--images', IMAGES, '--limit', '16', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScoreReport;
    expect(r.criterion).toBe('taylor');
    expect(r.images).toBe(16);
    expect(r.groups.length).toBeGreaterThan(3);
    for (const g of r.groups) {
      expect(g.scores).toHaveLength(g.channels);
      expect(g.scores.reduce((a, v) => a + v, 0) / g.channels).toBeCloseTo(1, 3);
    }
  });

  it('score rejects unknown criteria and data criteria without images (exit 2)', async () => {
    const unknown = await run(['score', MODEL, '--criterion', 'fisher']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--criterion must be one of l1, l2, bn-gamma, .*random, got "fisher"/);
    expect(unknown.err).not.toMatch(/\bat \S+:\d+/);
    const missing = await run(['score', MODEL, '--criterion', 'act-l2']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/needs --images/);
  });

  it('prune rejects an unknown criterion or recovery method with the valid names (exit 2)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'prune-')), 'p.onnx');
    const criterion = await run(['prune', MODEL, '-o', out, '--ratio', '0.5', '--criterion', 'fisher']);
    expect(criterion.code).toBe(2);
    expect(criterion.err).toMatch(/--criterion must be one of l1, l2, .*, got "fisher"/);
    const recover = await run(['prune', MODEL, '-o', out, '--ratio', '0.5', '--images', IMAGES, '--recover', 'magic']);
    expect(recover.code).toBe(2);
    expect(recover.err).toMatch(/--recover: unknown method "magic"; choose from none, bn, bias, lsq, distill/);
  });

  it('sensitivity --json gives one drop per ratio for each group', async () => {
    const { code, out } = await run(['sensitivity', MODEL, '--images', IMAGES, '--limit', '16', '--ratios', '0.5,0.9', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as { metric: string; ratios: number[]; curves: Record<string, { drop: number[]; macs: number[] }> };
    expect(r.metric).toBe('agreement');
    expect(r.ratios).toEqual([0.5, 0.9]);
    for (const c of Object.values(r.curves)) {
      expect(c.drop).toHaveLength(2);
      expect(c.macs[1]).toBeLessThan(c.macs[0]!);
    }
  });

  it('sensitivity --keep-macs --plan-out writes a plan that prune --plan applies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sens-'));
    const plan = join(dir, 'plan.json');
    const s = await run(['sensitivity', MODEL, '--images', IMAGES, '--limit', '16', '--ratios', '0.25,0.5,0.75', '--keep-macs', '0.6', '--plan-out', plan]);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/target met/);
    const p = await run(['prune', MODEL, '-o', join(dir, 'p.onnx'), '--plan', plan, '--json']);
    expect(p.code).toBe(0);
    const report = JSON.parse(p.out) as { before: { macs: number }; after: { macs: number } };
    expect(report.after.macs).toBeLessThanOrEqual(0.6 * report.before.macs);
  });

  it('prune --criterion act-l2 --recover lsq writes a recovered model and reports the calibration loss', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'prune-')), 'p.onnx');
    const { code, err } = await run(['prune', MODEL, '-o', out, '--ratio', '0.5', '--criterion', 'act-l2', '--images', 'public/samples/test/3', '--recover', 'lsq']);
    expect(code).toBe(0);
    const m = /calibration KL ([\d.]+) → ([\d.]+)/.exec(err);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeLessThanOrEqual(Number(m![1]));
    expect((await run(['eval', out, '--images', 'public/samples/test', '--limit', '8', '--json'])).code).toBe(0);
  });
});
