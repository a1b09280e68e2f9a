// eval's per-output report on the segmentation and two-task fixtures: each graph output gets its task
// kind and that kind's metrics, a model against itself is perfect, --task changes the kind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferPreprocess } from '../core/images/presets.js';
import { preprocessImage, stackBatch } from '../core/images/preprocess.js';
import { argmaxMap } from '../core/metrics/dense-metrics.js';
import { withModel } from '../core/score/runner.js';
import { loadRepoModel, nodeRunner } from '../core/score/test-utils/ort-runner.js';
import { readImageFile } from '../runtime/node-images.js';
import type { EvalReport, OutputReport } from './commands/eval.js';
import { runCli } from './test-utils/run-cli.js';

const SEGMENTATION = 'tools/fixtures/models/segmentation.onnx';
const TWO_TASK = 'tools/fixtures/models/multi-task.onnx';
const root = mkdtempSync(join(tmpdir(), 'eval-outputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `count` PNGs of seeded noise at the model's input size, unlabelled (directly in the folder). */
function writeNoise(name: string, size: number, colour: boolean, count: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (let i = 0; i < count; i++) {
    const png = new PNG({ width: size, height: size, colorType: colour ? 2 : 0 });
    for (let p = 0; p < size * size; p++) {
      const g = next();
      png.data.set(colour ? [next(), g, next(), 255] : [g, g, g, 255], p * 4);
    }
    writeFileSync(join(dir, `${i}.png`), PNG.sync.write(png, { colorType: colour ? 2 : 0 }));
  }
  return dir;
}

async function evalJson(args: string[]): Promise<EvalReport> {
  const { code, out, err } = await runCli(['eval', ...args, '--json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as EvalReport;
}

const only = <K extends OutputReport['kind']>(r: EvalReport, name: string, kind: K) => {
  const o = r.outputs.find((x) => x.name === name);
  expect(o?.kind).toBe(kind);
  return o as Extract<OutputReport, { kind: K }>;
};

describe('eval per output', () => {
  const rgb = writeNoise('rgb32', 32, true, 4);
  const gray = writeNoise('gray28', 28, false, 4);
  const prunedSeg = join(root, 'seg.onnx');
  const prunedTwo = join(root, 'two.onnx');
  beforeAll(async () => {
    expect((await runCli(['prune', SEGMENTATION, '-o', prunedSeg, '--ratio', '0.3'])).code).toBe(0);
    expect((await runCli(['prune', TWO_TASK, '-o', prunedTwo, '--ratio', '0.3'])).code).toBe(0);
  });

  it('segmentation: pixel accuracy and mIoU against the original; the original against itself scores 1', async () => {
    const pruned = await evalJson([prunedSeg, '--images', rgb, '--reference', SEGMENTATION]);
    expect(pruned.outputs).toHaveLength(1);
    const seg = only(pruned, 'output', 'segmentation');
    // Both are the per-pixel argmax agreement of the same outputs, computed by separate code.
    expect(seg.pixel_accuracy).toBeCloseTo(pruned.pixel_agreement!, 12);
    expect(seg.miou).toBeGreaterThanOrEqual(0);
    expect(seg.miou).toBeLessThanOrEqual(1);
    expect(seg.miou_classes).toBeGreaterThanOrEqual(1);
    expect(seg.miou_classes).toBeLessThanOrEqual(4);

    const self = only(await evalJson([SEGMENTATION, '--images', rgb, '--reference', SEGMENTATION]), 'output', 'segmentation');
    expect(self.pixel_accuracy).toBe(1);
    expect(self.miou).toBe(1);
  });

  it('segmentation with label masks beside the images: scored against them, not the reference; masks are not images', async () => {
    // Masks equal to the model's own per-pixel argmax (the 32×32 noise images need no resizing) score 1;
    // the same masks with the right half set to 255 (ignore) still score 1 on the pixels left.
    const dir = join(root, 'masked');
    mkdirSync(dir, { recursive: true });
    const model = loadRepoModel(SEGMENTATION);
    const input = model.graph!.input[0]!.name;
    const spec = inferPreprocess([1, 3, 32, 32]);
    const files = ['0.png', '1.png', '2.png'];
    const maps: Int32Array[] = [];
    await withModel(nodeRunner, model, async (m) => {
      for (const f of files) {
        const tensor = stackBatch([preprocessImage(readImageFile(join(rgb, f)), spec)], spec);
        const out = Object.values(await m.run({ [input]: tensor }))[0]!;
        expect(out.dims.slice(2)).toEqual([32, 32]);
        maps.push(argmaxMap(out));
      }
    });
    const writeMasks = (ignoreRight: boolean) => files.forEach((f, i) => {
      writeFileSync(join(dir, f), readFileSync(join(rgb, f)));
      const png = new PNG({ width: 32, height: 32, colorType: 0 });
      maps[i]!.forEach((c, p) => png.data.set(Array(3).fill(ignoreRight && p % 32 >= 16 ? 255 : c).concat(255), p * 4));
      writeFileSync(join(dir, f.replace('.png', '.mask.png')), PNG.sync.write(png, { colorType: 0 }));
    });
    writeMasks(false);
    const exact = await evalJson([SEGMENTATION, '--images', dir]);
    expect(exact.images).toBe(3);
    expect(only(exact, 'output', 'segmentation')).toMatchObject({ pixel_accuracy: 1, miou: 1, label_masks: 3 });
    writeMasks(true);
    expect(only(await evalJson([SEGMENTATION, '--images', dir]), 'output', 'segmentation')).toMatchObject({ pixel_accuracy: 1, label_masks: 3 });
    // The pruned model against the labels: in [0, 1], still from the masks though a reference is given.
    const pruned = only(await evalJson([prunedSeg, '--images', dir, '--reference', SEGMENTATION]), 'output', 'segmentation');
    expect(pruned.label_masks).toBe(3);
    expect(pruned.pixel_accuracy!).toBeLessThanOrEqual(1);
  });

  it('two-task: a class and a dense output; itself gives agreement 1 and MSE 0, the pruned model a finite PSNR', async () => {
    const self = await evalJson([TWO_TASK, '--images', gray, '--reference', TWO_TASK]);
    expect(self.outputs.map((o) => [o.name, o.kind])).toEqual([['logits', 'class'], ['reconstruction', 'dense']]);
    expect(only(self, 'logits', 'class')).toMatchObject({ agreement: 1, accuracy: null });
    expect(only(self, 'logits', 'class').kl!).toBeLessThan(1e-9);
    const identical = only(self, 'reconstruction', 'dense');
    expect(identical).toMatchObject({ mse: 0, psnr: null, cosine: 1 });
    expect(identical.psnr_range!).toBeGreaterThan(0);

    const pruned = only(await evalJson([prunedTwo, '--images', gray, '--reference', TWO_TASK]), 'reconstruction', 'dense');
    expect(pruned.mse!).toBeGreaterThan(0);
    expect(pruned.psnr!).toBeCloseTo(10 * Math.log10(pruned.psnr_range! ** 2 / pruned.mse!), 9);
  });

  it('prints each output with its kind; without a reference only class outputs have metrics', async () => {
    const { code, out } = await runCli(['eval', prunedTwo, '--images', gray, '--reference', TWO_TASK]);
    expect(code).toBe(0);
    expect(out).toMatch(/logits \(class\): accuracy —, agreement [\d.]+ %/);
    expect(out).toMatch(/reconstruction \(dense\): MSE [\d.]+, PSNR [\d.]+ dB \(range [\d.]+\)/);
    const alone = await evalJson([TWO_TASK, '--images', gray]);
    expect(only(alone, 'reconstruction', 'dense')).toEqual({ name: 'reconstruction', kind: 'dense', mse: null, psnr: null, psnr_range: null, cosine: null });
  });

  it('--task overrides the detected kind; a bad kind is a usage error, an unknown output an error', async () => {
    const r = await evalJson([prunedSeg, '--images', rgb, '--reference', SEGMENTATION, '--task', 'output=dense']);
    expect(only(r, 'output', 'dense').mse!).toBeGreaterThan(0);
    const kind = await runCli(['eval', SEGMENTATION, '--images', rgb, '--task', 'output=depth']);
    expect(kind.code).toBe(2);
    expect(kind.err).toMatch(/expected NAME=class\|dense\|segmentation/);
    const name = await runCli(['eval', SEGMENTATION, '--images', rgb, '--task', 'mask=segmentation']);
    expect(name.code).toBe(1);
    expect(name.err).toMatch(/no output of that name/);
  });
});
