// Per-task weight importance and sparse fine-tuning on the two-task fixture (class logits + a dense
// reconstruction decoded by ConvTranspose), run in onnxruntime-node: each output scores only the
// weights it reads (the other head's get zeros instead of an error), and distillation keeps every
// zeroed weight at exactly zero while it lowers the held-out loss.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../graph/ir.js';
import { decodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { seededRandom } from '../random.js';
import type { ImageBatch } from '../score/images.js';
import { nodeRunner, REPO_ROOT } from '../score/test-utils/ort-runner.js';
import { distillSparse, keepZerosTerm } from './sparse-distill.js';
import { weightTaylorImportance } from './sparse-importance.js';
import { sparseLayers } from './sparse-layers.js';
import { checkNM, sparsifyModel } from './sparsify.js';

const MODEL = 'tools/fixtures/models/multi-task.onnx';
const model = decodeModel(readFileSync(join(REPO_ROOT, MODEL)), MODEL);
const random = seededRandom(3);
const batches: ImageBatch[] = Array.from({ length: 8 }, () => ({ feeds: { input: { dims: [8, 1, 28, 28], data: Float32Array.from({ length: 8 * 784 }, () => random()) } } }));
const weightOf = (m: ModelProto, name: string) => tensorToFloat32(m.graph!.initializer.find((t) => t.name === name)!);
const layers = sparseLayers(buildGraph(model)).layers;
const nodeWeight = (node: string) => layers.find((l) => l.node === node)!.weight;

describe('per-task weight importance', () => {
  it('scores every weight for each output it reaches, and gives zeros where an output does not read it', async () => {
    const weights = layers.map((l) => l.weight);
    const imp = await weightTaylorImportance(model, weights, { runner: nodeRunner, batches: batches.slice(0, 4) }, ['logits', 'reconstruction']);
    const [fcForLogits, fcForReconstruction] = imp.get(nodeWeight('/fc/Gemm'))!;
    const [outForLogits, outForReconstruction] = imp.get(nodeWeight('/out/Conv'))!;
    const [trunkForLogits, trunkForReconstruction] = imp.get(nodeWeight('/c2/Conv'))!;
    expect(fcForLogits!.some((v) => v > 0) && fcForReconstruction!.every((v) => v === 0)).toBe(true);
    expect(outForLogits!.every((v) => v === 0) && outForReconstruction!.some((v) => v > 0)).toBe(true);
    expect(trunkForLogits!.some((v) => v > 0) && trunkForReconstruction!.some((v) => v > 0)).toBe(true);
  }, 120_000);
});

describe('ConvTranspose weights (decoders)', () => {
  it('are eligible along their input channels, each element mapped to the output channel it feeds', () => {
    const up = layers.find((l) => l.op === 'ConvTranspose')!;
    expect(up.axis).toBe(0);
    const [cin, cout, ...kernel] = up.dims;
    const k = kernel.reduce((a, b) => a * b, 1);
    const count = new Array<number>(up.outputs).fill(0);
    for (let i = 0; i < cin! * cout! * k; i++) {
      const o = up.outputOf(i);
      expect(o).toBe(Math.floor(i / k) % cout!);
      count[o]!++;
    }
    expect(up.outputs).toBe(cout);
    expect(new Set(count)).toEqual(new Set([cin! * k]));
    const nm = sparsifyModel(model, { sparsity: 0, pattern: { kind: 'n:m', n: 2, m: 4 } });
    expect(nm.layers.map((l) => l.op)).toContain('ConvTranspose');
    expect(checkNM(nm.model, 2, 4).filter((c) => c.eligible).every((c) => c.ok)).toBe(true);
  });
});

describe('sparse fine-tuning', () => {
  it('the zero-keeping term drops the masked gradients and zeroes the masked weights after a step', () => {
    const term = keepZerosTerm(new Map([['w', Uint8Array.from([1, 0, 1, 0])]]));
    const grads = new Map([['w', Float32Array.from([1, 2, 3, 4])]]);
    const values = new Map([['w', Float32Array.from([5, 6, 7, 8])]]);
    expect(term.gradient(values, grads, 0, 1)).toBe(0);
    expect(Array.from(grads.get('w')!)).toEqual([1, 0, 3, 0]);
    term.afterStep!(values, 0, 1);
    expect(Array.from(values.get('w')!)).toEqual([5, 0, 7, 0]);
  });

  it('distils the sparse two-task model with every zeroed weight still zero and a held-out loss no worse', async () => {
    const sparse = sparsifyModel(model, { sparsity: 0.6, pattern: { kind: 'unstructured' }, scope: 'global' });
    const { model: tuned, result } = await distillSparse({
      runner: nodeRunner, original: model, sparse: sparse.model, masks: sparse.masks, batches,
      settings: { epochs: 2, batchSize: 16, heldOutFraction: 0.25, lr: 1e-3 },
    });
    for (const [w, keep] of sparse.masks) {
      const v = weightOf(tuned, w);
      expect(Array.from(v).filter((x, i) => !keep[i] && x !== 0)).toEqual([]);
    }
    expect(result.history.at(-1)!.heldOutLoss).toBeLessThan(result.history[0]!.heldOutLoss);
    expect(Math.min(...result.history.map((h) => h.heldOutLoss))).toBe(result.history[result.bestEpoch]!.heldOutLoss);
    // Trained: some kept weight moved.
    const fc = nodeWeight('/fc/Gemm');
    expect(Array.from(weightOf(tuned, fc)).some((x, i) => x !== weightOf(sparse.model, fc)[i])).toBe(true);
  }, 180_000);
});
