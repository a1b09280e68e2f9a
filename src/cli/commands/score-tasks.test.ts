// score / prune --criterion taylor on the two-task fixture: both outputs scored, --task picks the loss.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreReport } from './score.js';
import { runCli } from '../test-utils/run-cli.js';

const MODEL = 'tools/fixtures/models/multi-task.onnx';
const IMAGES = 'public/samples/calibration';

describe('prune-studio score on a two-task model', () => {
  it('taylor scores every group for the class and the reconstruction output, none skipped', async () => {
    const { code, out } = await runCli(['score', MODEL, '--criterion', 'taylor', '--images', IMAGES, '--limit', '4', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScoreReport;
    expect(r.skipped).toEqual([]);
    expect(Object.keys(r.perOutput!).sort()).toEqual(['logits', 'reconstruction']);
    for (const scores of Object.values(r.perOutput!)) expect(Object.keys(scores).sort()).toEqual(r.groups.map((g) => g.id).sort());
  });

  it('--task rejects an unknown kind (exit 2) and an unknown output', async () => {
    const kind = await runCli(['score', MODEL, '--criterion', 'taylor', '--images', IMAGES, '--task', 'reconstruction=depth']);
    expect(kind.code).toBe(2);
    expect(kind.err).toMatch(/expected NAME=class\|dense\|segmentation/);
    const name = await runCli(['score', MODEL, '--criterion', 'taylor', '--images', IMAGES, '--limit', '2', '--task', 'recon=dense']);
    expect(name.code).not.toBe(0);
    expect(name.err).toMatch(/no output of that name/);
  });
});

describe('prune-studio prune --task', () => {
  it('prunes the two-task model by taylor with an explicit task per output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'prune-task-')), 'p.onnx');
    const r = await runCli(['prune', MODEL, '-o', out, '--ratio', '0.25', '--criterion', 'taylor', '--images', IMAGES, '--task', 'logits=class,reconstruction=dense']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const bad = await runCli(['prune', MODEL, '-o', out, '--ratio', '0.25', '--criterion', 'taylor', '--images', IMAGES, '--task', 'logits']);
    expect(bad.code).toBe(2);
  });
});
