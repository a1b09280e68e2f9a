// PAGCP's per-task budgets end to end: `sensitivity` measures a curve per output of a two-task model,
// and `prune --keep-macs F --task-budget NAME=DROP,…` stops where a budget binds, says so and keeps
// every predicted drop within its budget.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SensitivityResult } from '../core/score/sensitivity.js';
import type { Allocation } from '../core/prune/allocate.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'tools/fixtures/models/multi-task.onnx';
const IMAGES = 'public/samples/calibration';
const dir = mkdtempSync(join(tmpdir(), 'task-budget-'));
const common = ['--images', IMAGES, '--criterion', 'l1'];

describe('per-task budgets (PAGCP)', () => {
  it('sensitivity measures every output in its task’s measure and the allocation honours each budget', async () => {
    const r = await runCli(['sensitivity', MODEL, ...common, '--limit', '16', '--ratios', '0.25,0.5,0.75', '--keep-macs', '0.5', '--task-budget', 'logits=0.2,reconstruction=0.05', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as SensitivityResult & { allocation: Allocation };
    expect(report.outputs).toEqual([
      { name: 'logits', task: 'class', measure: 'agreement' },
      { name: 'reconstruction', task: 'dense', measure: '1 − R²' },
    ]);
    for (const curve of Object.values(report.curves)) expect(Object.keys(curve.perOutput!)).toEqual(['logits', 'reconstruction']);
    // The decoder's groups matter to the reconstruction only: pruning them leaves the logits alone.
    const decoder = Object.entries(report.curves).filter(([id]) => id.includes('up'));
    expect(decoder.length).toBeGreaterThan(0);
    for (const [, c] of decoder) expect(c.perOutput!.logits!.every((d) => d === 0)).toBe(true);
    expect(decoder.some(([, c]) => c.perOutput!.reconstruction!.some((d) => d > 0.01))).toBe(true);
    const { taskDrops } = report.allocation;
    expect(taskDrops!.reconstruction).toBeLessThanOrEqual(0.05);
    expect(taskDrops!.logits).toBeLessThanOrEqual(0.2);
  });

  it('prune: a tight budget stops before the target, is reported and warned about; a loose one lets the target be met', async () => {
    const tight = await runCli(['prune', MODEL, '-o', join(dir, 'tight.onnx'), ...common, '--keep-macs', '0.3', '--task-budget', 'reconstruction=0.03', '--json']);
    expect(tight.code, tight.err).toBe(0);
    const t = JSON.parse(tight.out) as PruneReport;
    expect(t.allocation!.method).toBe('sensitivity'); // implied by --task-budget
    expect(t.allocation!.tasks!.reconstruction!.predictedDrop).toBeLessThanOrEqual(0.03);
    expect(t.allocation!.budgetLimited).toBe(true);
    expect(t.target!.met).toBe(false);
    expect(tight.err).toMatch(/task budgets stop the pruning before the target/);
    const loose = await runCli(['prune', MODEL, '-o', join(dir, 'loose.onnx'), ...common, '--keep-macs', '0.6', '--task-budget', 'reconstruction=100,logits=100', '--json']);
    expect(loose.code, loose.err).toBe(0);
    const l = JSON.parse(loose.out) as PruneReport;
    expect(l.target!.met).toBe(true);
    expect(l.allocation!.budgetLimited).toBe(false);
    expect(l.target!.reached).toBeLessThan(t.target!.reached);
  });

  it('refuses budgets it cannot honour, saying what to change', async () => {
    const global = await runCli(['prune', MODEL, '-o', join(dir, 'x.onnx'), ...common, '--keep-macs', '0.5', '--allocate', 'global', '--task-budget', 'logits=0.01']);
    expect(global.code).toBe(2);
    expect(global.err).toMatch(/--task-budget is honoured by --allocate sensitivity/);
    const bad = await runCli(['prune', MODEL, '-o', join(dir, 'x.onnx'), ...common, '--keep-macs', '0.5', '--task-budget', 'logits=-1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/expected NAME=DROP/);
    const unknown = await runCli(['sensitivity', MODEL, ...common, '--limit', '4', '--ratios', '0.5', '--keep-macs', '0.5', '--task-budget', 'depth=0.1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no output of that name/);
  });
});
