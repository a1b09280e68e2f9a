// DiSparse on two-task models (issue 12's check): the held-out two-task Fashion-MNIST model (and the
// demo-width one) at 60 % unstructured sparsity over all eligible weights (convs, the Gemm and the
// decoder's ConvTransposes), per-task Taylor importance
// (a weight goes only if both tasks find it unimportant), the SparseGPT-style refit on 512 unlabelled
// training images, then sparse fine-tuning — distillation from the dense model with every zero held
// at zero — on 4,096 unlabelled training images for 10 epochs. Full 10,000-image test set: class
// accuracy and the reconstruction's MSE against the input image, beside the dense model, magnitude
// pruning, and PyTorch distilling the same sparse student with its zeros masked (same images, split).
// The bar: accuracy within 1 point, reconstruction MSE ≤ 1.25× the dense model's.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildGraph } from '../src/core/graph/ir.js';
import { decodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { tensorToFloat32 } from '../src/core/onnx/tensor.js';
import { weightTaylorImportance } from '../src/core/compress/sparse-importance.js';
import { sparseLayers } from '../src/core/compress/sparse-layers.js';
import { refitSparse } from '../src/core/compress/sparse-refit.js';
import { distillSparse } from '../src/core/compress/sparse-distill.js';
import { sparsifyModel, type SparsifyOptions } from '../src/core/compress/sparsify.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { fashionMnistBatches, unlabelled } from './fashion-mnist.js';
import { torchDistill, TRAIN_FROM, TRAIN_IMAGES, twoTaskMetrics, twoTaskModels } from './multitask.bench.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'sparsify-multitask';
const SPARSITY = 0.6;

/** Zeros of the eligible weights that their mask says must be zero but are not (must be 0 after training). */
function maskViolations(model: ModelProto, masks: ReadonlyMap<string, Uint8Array>): number {
  const ir = buildGraph(model);
  let bad = 0;
  for (const [w, keep] of masks) {
    const v = tensorToFloat32(ir.initializers.get(w)!);
    for (let i = 0; i < v.length; i++) if (!keep[i] && v[i] !== 0) bad++;
  }
  return bad;
}

export default async function sparsifyMultitaskBench(ctx: BenchContext): Promise<BenchRow[]> {
  const found = twoTaskModels(ctx);
  if (!found) return [];
  const { test, dir, files } = found;
  const calibration = unlabelled(fashionMnistBatches('train', 0, 512, 64));
  const scoring = unlabelled(fashionMnistBatches('train', 0, 512, 8));
  const training = unlabelled(fashionMnistBatches('train', TRAIN_FROM, TRAIN_IMAGES, 64));
  const rows: BenchRow[] = [];
  for (const f of files) {
    const name = `${basename(f, '.onnx')}${f.includes('-s1') ? ' (held-out)' : ''}`;
    const model = decodeModel(readFileSync(join(dir, f)), f);
    const base = await twoTaskMetrics(model, test);
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: name, metric, value, unit, ...(target ? { target, pass } : {}) });
    const measure = (label: string, m: { accuracy: number; mse: number }, bar = false) => {
      const drop = (base.accuracy - m.accuracy) * 100;
      const ratio = m.mse / base.mse;
      row(`${label} accuracy drop`, drop, 'pts', bar ? '≤ 1' : undefined, drop <= 1);
      row(`${label} MSE ratio`, ratio, '×', bar ? '≤ 1.25' : undefined, ratio <= 1.25);
      ctx.log(`${name} ${label}: ${(m.accuracy * 100).toFixed(2)} % (${drop >= 0 ? '−' : '+'}${Math.abs(drop).toFixed(2)}), MSE ×${ratio.toFixed(3)}`);
    };
    row('accuracy dense', base.accuracy * 100, '%');
    row('reconstruction MSE dense', base.mse, '');
    const weights = sparseLayers(buildGraph(model)).layers.map((l) => l.weight);
    ctx.log(`${name}: per-task Taylor importance of ${weights.length} weights on 512 images`);
    const importance = await weightTaylorImportance(model, weights, { runner: nodeModelRunner, batches: scoring });
    const variants: [string, SparsifyOptions][] = [
      ['magnitude', { sparsity: SPARSITY, pattern: { kind: 'unstructured' }, scope: 'global' }],
      ['taylor per task', { sparsity: SPARSITY, pattern: { kind: 'unstructured' }, scope: 'global', importance }],
    ];
    for (const [label, options] of variants) {
      const sparse = sparsifyModel(model, options);
      const zeros = sparse.layers.reduce((a, l) => a + l.zeros, 0) / sparse.layers.reduce((a, l) => a + l.size, 0);
      row(`${label} sparsity`, zeros * 100, '%', `≥ ${SPARSITY * 100} %`, zeros >= SPARSITY - 1e-6);
      measure(`${label} one-shot`, await twoTaskMetrics(sparse.model, test));
      const { model: refit } = await refitSparse(model, sparse.model, sparse.masks, { runner: nodeModelRunner, batches: calibration });
      measure(`${label}+refit`, await twoTaskMetrics(refit, test));
      const t0 = performance.now();
      const { model: tuned } = await distillSparse({ runner: nodeModelRunner, original: model, sparse: refit, masks: sparse.masks, batches: training });
      const seconds = (performance.now() - t0) / 1000;
      row(`${label}+refit+distill zeros moved`, maskViolations(tuned, sparse.masks), '', '0', maskViolations(tuned, sparse.masks) === 0);
      measure(`${label}+refit+distill`, await twoTaskMetrics(tuned, test), label === 'taylor per task');
      row(`${label}+refit+distill seconds`, seconds, 's');
      // PyTorch distils the student the bar is measured on (its dense-width epochs are slow here).
      const torch = label === 'taylor per task' ? torchDistill(ctx, `${basename(f, '.onnx')}-sparse${SPARSITY * 100}.onnx`, model, refit, true) : undefined;
      if (torch) {
        measure(`${label}+refit+distill (pytorch)`, { accuracy: torch.testAccuracy, mse: torch.reconstructionMse });
        row(`${label}+refit+distill (pytorch) seconds`, torch.seconds, 's');
      }
    }
  }
  return rows;
}
