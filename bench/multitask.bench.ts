// Two-task models (issue 13): a shared trunk with class logits and a dense 28×28 reconstruction of the
// input (tools/train-demo/train_two_task.py: bench/cache/twotask/fmnist-twotask.onnx, width 16, seed
// 0, and the held-out fmnist-twotask-s1.onnx, width 24, seed 1, never tuned on). Each is pruned to
// ≤ 50 % of its MACs with each criterion (global ranking) + least squares on 512 unlabelled training
// images, and with Taylor + PAGCP task budgets (sensitivity allocation); measured on the full
// 10,000-image test set: class accuracy and the reconstruction's MSE against the input image, beside
// the unpruned model. The bar: accuracy within 1 point, reconstruction MSE ≤ 1.25× unpruned.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planForTarget, type AllocationMethod } from '../src/core/prune/target.js';
import { recoverPruned, sensitivityRecovery } from '../src/core/recover/recover.js';
import { scoreGroups } from '../src/core/score/criteria.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { referenceOutputs } from '../src/core/score/metric.js';
import { analyseSensitivity } from '../src/core/score/sensitivity.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { DEFAULT_DISTILL_SETTINGS } from '../src/core/train/distill.js';
import { splitHeldOut } from '../src/core/train/images.js';
import { fashionMnistBatches, fullTestSet, unlabelled } from './fashion-mnist.js';
import { torchAnchor, torchDistillSplit } from './demo-models.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'multitask';
const KEEP = 0.5;

/** Test accuracy of "logits" and mean squared error of "reconstruction" against the input pixels. */
export async function twoTaskMetrics(model: ModelProto, test: readonly ImageBatch[]): Promise<{ accuracy: number; mse: number }> {
  const outs = await referenceOutputs(model, nodeModelRunner, test);
  let correct = 0;
  let images = 0;
  let se = 0;
  let values = 0;
  outs.forEach((o, bi) => {
    const logits = o.logits!;
    const k = logits.dims[1]!;
    test[bi]!.labels!.forEach((label, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (logits.data[i * k + c]! > logits.data[i * k + best]!) best = c;
      correct += best === label ? 1 : 0;
    });
    images += logits.dims[0]!;
    const input = test[bi]!.feeds.input!.data;
    const rec = o.reconstruction!.data;
    for (let i = 0; i < rec.length; i++) se += (rec[i]! - input[i]!) ** 2;
    values += rec.length;
  });
  return { accuracy: correct / images, mse: se / values };
}

export const TRAIN_FROM = 512;
export const TRAIN_IMAGES = 4096;

/**
 * What a PyTorch user gets distilling the same student on the same images and split
 * (tools/torch-anchor/distill.py); `keepZeros` holds the student's zero weights at zero (sparse fine-tuning).
 */
export function torchDistill(ctx: BenchContext, file: string, teacher: ModelProto, student: ModelProto, keepZeros = false): { seconds: number; testAccuracy: number; reconstructionMse: number } | undefined {
  if (!ctx.python) return undefined;
  const dir = join(ctx.cacheDir, 'multitask');
  mkdirSync(dir, { recursive: true });
  const [t, s, cfg] = ['teacher.onnx', 'student.onnx', 'split.json'].map((x) => join(dir, `${basename(file, '.onnx')}.${x}`)) as [string, string, string];
  writeFileSync(t, encodeModel(teacher));
  writeFileSync(s, encodeModel(student));
  const split = splitHeldOut(TRAIN_IMAGES, DEFAULT_DISTILL_SETTINGS.heldOutFraction, DEFAULT_DISTILL_SETTINGS.seed);
  writeFileSync(cfg, torchDistillSplit({ train: split.train.map((i) => i + TRAIN_FROM), heldOut: split.heldOut.map((i) => i + TRAIN_FROM) }, undefined, { keepZeros }));
  return torchAnchor(ctx, 'distill.py', ['--teacher', t, '--student', s, '--split', cfg]);
}

/** The two-task models (BENCH_TWOTASK_DIR or bench/cache/twotask) and the test set; undefined (logged) when either is missing. */
export function twoTaskModels(ctx: BenchContext): { test: ImageBatch[]; dir: string; files: string[] } | undefined {
  const test = fullTestSet(ctx.log);
  const dir = process.env.BENCH_TWOTASK_DIR ?? join(ctx.cacheDir, 'twotask');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort() : [];
  if (test && files.length) return { test, dir, files };
  if (test) ctx.log(`no two-task models in ${dir}: train them with tools/train-demo/train_two_task.py (see its header)`);
  return undefined;
}

export default async function multitaskBench(ctx: BenchContext): Promise<BenchRow[]> {
  const found = twoTaskModels(ctx);
  if (!found) return [];
  const { test, dir, files } = found;
  const calibration = unlabelled(fashionMnistBatches('train', 0, 512, 64));
  let trainingSet: ImageBatch[] | undefined;
  const training = () => (trainingSet ??= unlabelled(fashionMnistBatches('train', TRAIN_FROM, TRAIN_IMAGES, 64)));
  const rows: BenchRow[] = [];
  for (const f of files) {
    const name = `${basename(f, '.onnx')}${f.includes('-s1') ? ' (held-out)' : ''}`;
    const model = decodeModel(readFileSync(join(dir, f)), f);
    const analysis = analyseChannels(buildGraph(model));
    const baseMacs = computeMetrics(analysis.ir, analysis.shapes).macs;
    const base = await twoTaskMetrics(model, test);
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: name, metric, value, unit, ...(target ? { target, pass } : {}) });
    row('accuracy unpruned', base.accuracy * 100, '%');
    row('reconstruction MSE unpruned', base.mse, '');
    ctx.log(`${name}: unpruned accuracy ${(base.accuracy * 100).toFixed(2)} %, reconstruction MSE ${base.mse.toFixed(5)}`);
    const variants: { label: string; criterion: string; method: AllocationMethod; budgets?: Record<string, number>; curvesAfterLsq?: boolean }[] = [
      { label: 'l2', criterion: 'l2', method: 'global' },
      { label: 'taylor', criterion: 'taylor', method: 'global' },
      { label: 'oracle', criterion: 'oracle', method: 'global' },
      { label: 'taylor+budgets', criterion: 'taylor', method: 'sensitivity', budgets: { logits: 0.01, reconstruction: 0.01 } },
      // Plain sensitivity curves against curves measured after lsq on the same 256 images
      // (`prune --allocate sensitivity --sensitivity-recover lsq`): where lsq mends the cut.
      { label: 'taylor sensitivity', criterion: 'taylor', method: 'sensitivity' },
      { label: 'taylor sensitivity-after-lsq', criterion: 'taylor', method: 'sensitivity', curvesAfterLsq: true },
    ];
    for (const v of variants) {
      const t0 = performance.now();
      const scoring = calibration.slice(0, 4); // 256 images
      const { scores } = await scoreGroups(model, v.criterion, { runner: nodeModelRunner, batches: scoring }, analysis);
      const recover = v.curvesAfterLsq ? { recover: sensitivityRecovery(model, 'lsq', { runner: nodeModelRunner, batches: scoring }, analysis) } : {};
      const sensitivity = v.method === 'sensitivity' ? await analyseSensitivity(model, { runner: nodeModelRunner, batches: scoring, scores, criterion: v.criterion, ...recover }, analysis) : undefined;
      const found = await planForTarget(model, analysis, { target: { kind: 'macs', keep: KEEP }, method: v.method, scores, criterion: v.criterion, sensitivity, budgets: v.budgets });
      const pruned = applyPlan(model, found.plan, analysis);
      const { model: recovered } = await recoverPruned(model, pruned, found.plan, 'lsq', { runner: nodeModelRunner, batches: calibration }, analysis);
      const macs = computeMetrics(buildGraph(recovered)).macs / baseMacs;
      const [oneShot, lsq] = [await twoTaskMetrics(pruned, test), await twoTaskMetrics(recovered, test)];
      const drop = (base.accuracy - lsq.accuracy) * 100;
      const ratio = lsq.mse / base.mse;
      row(`${v.label} MACs kept`, macs * 100, '%', `≤ ${KEEP * 100} %`, macs <= KEEP + 1e-9);
      row(`${v.label} accuracy one-shot`, oneShot.accuracy * 100, '%');
      row(`${v.label} MSE ratio one-shot`, oneShot.mse / base.mse, '×');
      row(`${v.label}+lsq accuracy drop`, drop, 'pts', '≤ 1', drop <= 1);
      row(`${v.label}+lsq MSE ratio`, ratio, '×', '≤ 1.25', ratio <= 1.25);
      if (found.taskDrops) row(`${v.label} budget-limited`, found.budgetLimited ? 1 : 0, '');
      if (v.label === 'taylor' && process.env.BENCH_MULTITASK_DISTILL !== '0') {
        // The lever the training half adds: distil the lsq model from the unpruned one on
        // 4096 unlabelled training images, 10 epochs, every output's loss (KL / L2) normalised.
        const t1 = performance.now();
        const { model: distilled } = await recoverPruned(model, recovered, found.plan, 'distill', { runner: nodeModelRunner, batches: calibration, distill: { batches: training() } }, analysis);
        const d = await twoTaskMetrics(distilled, test);
        const dDrop = (base.accuracy - d.accuracy) * 100;
        row('taylor+lsq+distill accuracy drop', dDrop, 'pts', '≤ 1', dDrop <= 1);
        row('taylor+lsq+distill MSE ratio', d.mse / base.mse, '×', '≤ 1.25', d.mse / base.mse <= 1.25);
        ctx.log(`${name} taylor+lsq+distill: ${(d.accuracy * 100).toFixed(2)} % / MSE ×${(d.mse / base.mse).toFixed(2)} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
        const torch = torchDistill(ctx, f, model, recovered);
        if (torch) {
          row('taylor+lsq+distill (pytorch) accuracy drop', (base.accuracy - torch.testAccuracy) * 100, 'pts');
          row('taylor+lsq+distill (pytorch) MSE ratio', torch.reconstructionMse / base.mse, '×');
          ctx.log(`${name} PyTorch, same student, images and split: ${(torch.testAccuracy * 100).toFixed(2)} % / MSE ×${(torch.reconstructionMse / base.mse).toFixed(2)} (${torch.seconds.toFixed(0)} s)`);
        }
      }
      ctx.log(`${name} ${v.label}: MACs ${(macs * 100).toFixed(1)} %, one-shot ${(oneShot.accuracy * 100).toFixed(2)} % / MSE ×${(oneShot.mse / base.mse).toFixed(2)}, +lsq ${(lsq.accuracy * 100).toFixed(2)} % / MSE ×${ratio.toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  return rows;
}
