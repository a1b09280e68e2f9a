// The eval command end to end through main(): a real torch export on PNGs written in the test (class
// folders 0..2 and a labels file), and the committed Fashion-MNIST demo models when present.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from './commands/eval.js';
import { runCli } from './test-utils/run-cli.js';

const run = runCli;

const MODEL = 'src/runtime/test-data/classifier.onnx';
const PERTURBED = 'src/runtime/test-data/classifier-perturbed.onnx';
const root = mkdtempSync(join(tmpdir(), 'eval-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 3 classes × 4 gray 28×28 PNGs with different stripes, in folders "0", "1" and "Two" (via labels.txt). */
function writeDataset(): string {
  const dir = join(root, 'images');
  writeFileSync(join(dir, '..', 'labels.txt'), 'zero\none\nTwo\n');
  ['0', '1', 'Two'].forEach((folder, cls) => {
    mkdirSync(join(dir, folder), { recursive: true });
    for (let i = 0; i < 4; i++) {
      const png = new PNG({ width: 28, height: 28, colorType: 0 });
      for (let p = 0; p < 784; p++) {
        const v = ((p % 28) * (cls + 1) + Math.floor(p / 28) * (i + 1)) % 7 < 3 ? 255 : 0;
        png.data.set([v, v, v, 255], p * 4);
      }
      writeFileSync(join(dir, folder, `${i}.png`), PNG.sync.write(png, { colorType: 0 }));
    }
  });
  return dir;
}

describe('prune-studio eval', () => {
  const images = writeDataset();

  it('--json reports accuracy, agreement, kl and latency_ms consistent with the per-image results', async () => {
    const { code, out, err } = await run(['eval', PERTURBED, '--images', images, '--reference', MODEL, '--json', '--per-image']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(out) as EvalReport;
    expect(r).toMatchObject({ schemaVersion: 1, model: PERTURBED, reference: MODEL, images: 12, labelled: 12, backend: 'cpu-node' });
    const rows = r.per_image!;
    expect(rows.map((p) => p.label).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(r.accuracy).toBeCloseTo(rows.filter((p) => p.top1 === p.label).length / 12, 12);
    expect(r.agreement).toBeCloseTo(rows.filter((p) => p.top1 === p.reference_top1).length / 12, 12);
    expect(r.kl).toBeCloseTo(rows.reduce((s, p) => s + p.kl!, 0) / 12, 12);
    expect(r.kl).toBeGreaterThan(0);
    expect(r.latency_ms.median).toBeGreaterThan(0);
    expect(r.reference_latency_ms!.samples).toBe(12);
    expect(r.speedup).toBeGreaterThan(0);
    expect(r.pixel_agreement).toBeNull();
  });

  it('prints a readable summary, and without a reference leaves agreement null', async () => {
    const text = await run(['eval', MODEL, '--images', images, '--limit', '5']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Images\s+5 \(5 labelled\)/);
    expect(text.out).toMatch(/Latency\s+[\d.]+ ms median/);
    const json = JSON.parse((await run(['eval', MODEL, '--images', images, '--json', '--backend', 'wasm'])).out) as EvalReport;
    expect(json.backend).toBe('wasm');
    expect(json.agreement).toBeNull();
    expect(json.kl).toBeNull();
    expect(json.accuracy).not.toBeNull();
  });

  it('explains bad command lines (exit 2) and bad inputs (exit 1)', async () => {
    expect((await run(['eval', MODEL])).err).toMatch(/needs --images DIR/);
    expect((await run(['eval', MODEL, '--images', images, '--preset', 'vgg'])).code).toBe(2);
    expect((await run(['eval', MODEL, '--images', images, '--limit', '0'])).err).toMatch(/--limit must be a positive whole number/);
    const missing = await run(['eval', MODEL, '--images', join(root, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/not a folder of images/);
  });

  const demo = existsSync('public/models') ? readdirSync('public/models').filter((f) => f.endsWith('.onnx')) : [];
  it.runIf(demo.length > 0 && existsSync('public/samples/test'))('demo models classify the committed Fashion-MNIST samples well', async () => {
    for (const name of demo) {
      const model = `public/models/${name}`;
      const { code, out, err } = await run(['eval', model, '--images', 'public/samples/test', '--reference', model, '--limit', '100', '--batch', '10', '--json']);
      expect(code, err).toBe(0);
      const r = JSON.parse(out) as EvalReport;
      expect(r.labelled).toBe(100);
      expect(r.accuracy!, name).toBeGreaterThan(0.75);
      expect(r.agreement).toBe(1);
      expect(r.kl!).toBeLessThan(1e-6);
    }
  });
});
