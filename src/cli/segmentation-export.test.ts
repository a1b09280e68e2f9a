// A real segmentation export end to end (issue 13): torchvision's LR-ASPP (tools/fixtures/models/
// lraspp.onnx) is scored by Taylor with its per-pixel loss (no group skipped), pruned to half its MACs
// with least squares, and validated with mIoU against the original's masks — non-vacuous: the
// original predicts several classes, so the pruned model's masks can and do differ.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport, OutputReport } from './commands/eval.js';
import type { PruneReport } from './commands/prune.js';
import type { ScoreReport } from './commands/score.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'tools/fixtures/models/lraspp.onnx';
const root = mkdtempSync(join(tmpdir(), 'lraspp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Eight 64×64 colour noise images. */
function images(): string {
  const dir = join(root, 'images');
  mkdirSync(dir);
  let seed = 3;
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (let i = 0; i < 8; i++) {
    const png = new PNG({ width: 64, height: 64, colorType: 2 });
    for (let p = 0; p < 64 * 64; p++) png.data.set([next(), next(), next(), 255], p * 4);
    writeFileSync(join(dir, `${i}.png`), PNG.sync.write(png, { colorType: 2 }));
  }
  return dir;
}

const json = async <T>(args: string[]): Promise<T> => {
  const r = await runCli([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as T;
};
const segmentation = (r: EvalReport) => r.outputs.find((o) => o.kind === 'segmentation') as Extract<OutputReport, { kind: 'segmentation' }>;

describe('torchvision LR-ASPP: score, prune, validate', () => {
  const dir = images();
  it('taylor scores every group with the per-pixel loss; prune to half the MACs + lsq; mIoU against the original', async () => {
    const score = await json<ScoreReport>(['score', MODEL, '--criterion', 'taylor', '--images', dir]);
    expect(score.skipped).toEqual([]);
    expect(score.groups.length).toBeGreaterThan(20);
    const out = join(root, 'pruned.onnx');
    const pruned = await json<PruneReport>(['prune', MODEL, '-o', out, '--keep-macs', '0.5', '--criterion', 'taylor', '--images', dir, '--recover', 'lsq']);
    expect(pruned.target!.met).toBe(true);
    expect(pruned.recovery![0]!.lossAfter).toBeLessThanOrEqual(pruned.recovery![0]!.lossBefore);
    const self = segmentation(await json<EvalReport>(['eval', MODEL, '--images', dir, '--reference', MODEL]));
    expect(self).toMatchObject({ pixel_accuracy: 1, miou: 1 });
    expect(self.miou_classes).toBeGreaterThan(1);
    const after = segmentation(await json<EvalReport>(['eval', out, '--images', dir, '--reference', MODEL]));
    expect(after.pixel_accuracy!).toBeGreaterThan(0.5);
    expect(after.pixel_accuracy!).toBeLessThan(1);
    expect(after.miou!).toBeLessThan(1);
  }, 120_000);
});
