// The bundled demo assets (public/models, public/samples) are what the studio opens on: every model
// must load in onnxruntime, classify the committed test samples about as well as its card claims, and
// its card must describe the file (weights count, I/O). Regenerate with tools/train-demo/ (README).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/core/onnx/codec';
import { TensorDataType } from '../../src/core/onnx/proto';
import { tensorDims } from '../../src/core/onnx/tensor';
import { decodeGrayPng } from './png-gray';

const ROOT = join(import.meta.dirname, '..', '..');
const MODELS = join(ROOT, 'public', 'models');
const SAMPLES = join(ROOT, 'public', 'samples');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

interface ModelCard {
  name: string;
  file: string;
  testAccuracy: number;
  params: number;
  macs: number;
  epochs: number;
  input: { name: string; shape: (number | null)[]; layout: string; range: number[]; channels: string };
  outputs: { name: string; shape: (number | null)[] }[];
  classNames: string[];
  variants: { file: string; batchNormKept: boolean; params: number }[];
}
interface ModelIndex {
  default: string;
  models: { name: string; file: string; card: string }[];
}
interface SampleIndex {
  classNames: string[];
  test: { file: string; label: number }[];
  calibration: { file: string }[];
}

const modelIndex = readJson<ModelIndex>(join(MODELS, 'index.json'));
const sampleIndex = readJson<SampleIndex>(join(SAMPLES, 'index.json'));
const cards = modelIndex.models.map((m) => readJson<ModelCard>(join(MODELS, m.card)));

/** Float weights as the studio counts them: float initializers of rank ≥ 1. */
function weightCount(bytes: Uint8Array, source: string): { weights: number; ops: string[] } {
  const graph = decodeModel(bytes, source).graph;
  if (!graph) throw new Error(`${source}: model has no graph`);
  let weights = 0;
  for (const t of graph.initializer) {
    const dims = tensorDims(t);
    if (t.dataType === TensorDataType.FLOAT && dims.length >= 1) weights += dims.reduce((a, b) => a * b, 1);
  }
  return { weights, ops: graph.node.map((n) => n.opType) };
}

function loadTestBatch(): { input: Float32Array; labels: number[] } {
  const input = new Float32Array(sampleIndex.test.length * 784);
  sampleIndex.test.forEach((s, i) => {
    const png = decodeGrayPng(readFileSync(join(SAMPLES, s.file)), s.file);
    expect([png.width, png.height], s.file).toEqual([28, 28]);
    png.pixels.forEach((p, j) => (input[i * 784 + j] = p / 255));
  });
  return { input, labels: sampleIndex.test.map((s) => s.label) };
}

async function logitsOf(file: string, input: Float32Array, count: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(join(MODELS, file));
  const out = await session.run({ input: new ort.Tensor('float32', input, [count, 1, 28, 28]) });
  const logits = out['logits'];
  if (!logits) throw new Error(`${file}: no "logits" output`);
  expect(logits.dims).toEqual([count, 10]);
  await session.release();
  return logits.data as Float32Array;
}

function accuracy(logits: Float32Array, labels: number[]): number {
  let correct = 0;
  labels.forEach((label, i) => {
    const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === label) correct++;
  });
  return correct / labels.length;
}

describe('demo samples', () => {
  it('has 30 labelled test images per class, filed under their output index', () => {
    const labels = readFileSync(join(SAMPLES, 'labels.txt'), 'utf8').trimEnd().split('\n');
    expect(labels).toEqual(sampleIndex.classNames);
    expect(labels).toHaveLength(10);
    for (let c = 0; c < 10; c++) {
      const ofClass = sampleIndex.test.filter((s) => s.label === c);
      expect(ofClass.length, `class ${c}`).toBeGreaterThanOrEqual(30);
      for (const s of ofClass) expect(s.file.startsWith(`test/${c}/`), s.file).toBe(true);
    }
  });

  it('has a separate 512-image calibration split, every listed file present', () => {
    expect(sampleIndex.calibration).toHaveLength(512);
    for (const s of sampleIndex.calibration) expect(s.file.startsWith('calibration/'), s.file).toBe(true);
    for (const s of [...sampleIndex.test, ...sampleIndex.calibration]) {
      expect(existsSync(join(SAMPLES, s.file)), s.file).toBe(true);
    }
    const png = decodeGrayPng(readFileSync(join(SAMPLES, sampleIndex.calibration[0]!.file)), 'calibration[0]');
    expect(png.pixels).toHaveLength(784);
  });
});

describe('demo models', () => {
  it('index lists at least one model, the default first', () => {
    expect(modelIndex.models.length).toBeGreaterThan(0);
    expect(modelIndex.models[0]!.name).toBe(modelIndex.default);
  });

  const batch = loadTestBatch();
  for (const card of cards) {
    describe(card.name, () => {
      it('card describes the I/O the studio relies on', () => {
        expect(card.input).toMatchObject({ name: 'input', shape: [null, 1, 28, 28], layout: 'NCHW', range: [0, 1] });
        expect(card.outputs[0]).toMatchObject({ name: 'logits', shape: [null, 10] });
        expect(card.classNames).toEqual(sampleIndex.classNames);
        expect(card.macs).toBeGreaterThan(card.params);
      });

      it('card params match the ONNX initializers; BN folded in the plain file', () => {
        const { weights, ops } = weightCount(readFileSync(join(MODELS, card.file)), card.file);
        expect(weights).toBe(card.params);
        expect(ops).not.toContain('BatchNormalization');
        for (const v of card.variants) {
          const variant = weightCount(readFileSync(join(MODELS, v.file)), v.file);
          expect(variant.weights).toBe(v.params);
          expect(variant.ops.includes('BatchNormalization')).toBe(v.batchNormKept);
        }
      });

      it('classifies the committed test samples within 5 points of the card accuracy', async () => {
        const logits = await logitsOf(card.file, batch.input, batch.labels.length);
        const acc = accuracy(logits, batch.labels);
        expect(acc, `${card.file}: ${(acc * 100).toFixed(1)}% on samples`).toBeGreaterThanOrEqual(card.testAccuracy - 0.05);
        for (const v of card.variants) {
          const variantLogits = await logitsOf(v.file, batch.input, batch.labels.length);
          const worst = variantLogits.reduce((m, x, i) => Math.max(m, Math.abs(x - logits[i]!)), 0);
          expect(worst, `${v.file} vs ${card.file}`).toBeLessThan(1e-3);
        }
      });
    });
  }
});
