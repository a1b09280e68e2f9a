// Distillation after pruning (docs/training.md), on the demo models and on held-out variants trained
// the same way with another seed (bench/cache/heldout, from `tools/train-demo/chain.sh heldout-ARCH`):
// one-shot pruning to ≤ 50 % of the MACs (reconstruction, global ranking), least squares, then distillation
// from the unpruned model on 4,096 UNLABELLED Fashion-MNIST training images for 10 epochs.
// Accuracy on the full 10,000-image test set (one cut, the student PyTorch distils too). Targets:
// ORT-node time ≤ 2× PyTorch CPU (same images, epochs and recipe: tools/torch-anchor/distill.py, run
// here when /usr/bin/python3 has torch); WASM (onnxruntime-web in Node, one epoch, one thread) ≤ 3×
// ORT-node at its default threads (the ratio against ORT-node at one thread is reported beside it). Then
// what a user runs, `prune --keep-macs 0.5 --images DIR --recover lsq,distill` with the CLI's defaults
// (two cuts) on the same images as PNGs: within 1 point of the unpruned model.
// BENCH_DISTILL_MODELS=a.onnx,b.onnx restricts the models; BENCH_DISTILL_EPOCHS=N shortens the runs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildGraph } from '../src/core/graph/ir.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelRunner } from '../src/core/score/runner.js';
import { DEFAULT_DISTILL_SETTINGS, distill } from '../src/core/train/distill.js';
import { splitHeldOut, trainingImages } from '../src/core/train/images.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { createSession } from '../src/runtime/session.js';
import { fashionMnistBatches, fashionMnistPngFolder, fullTestSet, unlabelled } from './fashion-mnist.js';
import { main as cli } from '../src/cli/main.js';
import { demoAndHeldOutModels, oneShotLsq, testAccuracy, torchAnchor, torchDistillSplit } from './demo-models.js';
import type { CriterionId } from '../src/core/score/criteria.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'distill';
const TRAIN_IMAGES = 4096;
const EPOCHS = Number(process.env.BENCH_DISTILL_EPOCHS ?? 10);
/**
 * What allocates and chooses the channels: reconstruction, prune's default before least squares
 * (criterionBeforeRefit; Taylor cut half of the ViTs' heads, docs/criteria.md). BENCH_DISTILL_CRITERION=taylor
 * gives the earlier tables' start.
 */
const CRITERION = (process.env.BENCH_DISTILL_CRITERION ?? 'reconstruction') as CriterionId;
const wasmRunner: ModelRunner = async (m) => (await createSession(encodeModel(m), { backend: 'wasm' })).session;
/**
 * onnxruntime-node at one thread: onnxruntime-web runs single-threaded in Node, so the epoch ratio at
 * equal threads is what WASM itself costs; the target compares the page and the CLI as they run (the
 * studio's worker: min(4, cores − 1) WASM threads, 1 on a 2-core machine; ORT-node: every core). On
 * the 2-core machine the demo models' epochs ran no faster on ORT-node's two threads than on one.
 */
const nodeOneThreadRunner: ModelRunner = async (m) => (await createSession(encodeModel(m), { backend: 'cpu-node', threads: 1 })).session;

/** The PyTorch anchor on the same images and split; undefined without torch. */
function torchDistill(ctx: BenchContext, teacher: string, student: string, split: { train: number[]; heldOut: number[] }): { seconds: number; testAccuracy: number } | undefined {
  if (!ctx.python) return undefined;
  const cfg = join(ctx.cacheDir, 'distill-split.json');
  writeFileSync(cfg, torchDistillSplit(split, EPOCHS));
  return torchAnchor(ctx, 'distill.py', ['--teacher', teacher, '--student', student, '--split', cfg]);
}

export default async function distillBench(ctx: BenchContext): Promise<BenchRow[]> {
  const test = fullTestSet(ctx.log);
  if (!test) return [];
  const rows: BenchRow[] = [];
  const images = unlabelled(fashionMnistBatches('train', 0, TRAIN_IMAGES, 64));
  const outDir = join(ctx.cacheDir, 'distill');
  // The CLI's images: the first 4,608 training images as PNGs (the folder of docs/training.md's CLI tables).
  const pngFolder = fashionMnistPngFolder(join(ctx.cacheDir, 'fmnist-train-4608'), 'train', 0, TRAIN_IMAGES + 512);
  mkdirSync(outDir, { recursive: true });
  for (const { file, name } of demoAndHeldOutModels(ctx, process.env.BENCH_DISTILL_MODELS?.split(','))) {
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: name, metric, value, unit, target, pass });
    ctx.log(`${name}: pruning to 50 % MACs (${CRITERION}, global) + lsq on 512`);
    const model = decodeModel(readFileSync(file), file);
    const base = await testAccuracy(model, test);
    const lsq = (await oneShotLsq(model, images, 0.5, CRITERION)).model;
    const lsqAcc = await testAccuracy(lsq, test);
    const macsKept = computeMetrics(buildGraph(lsq)).macs / computeMetrics(buildGraph(model)).macs;

    ctx.log(`${name}: distilling on ${TRAIN_IMAGES} unlabelled images, ${EPOCHS} epochs (onnxruntime-node)`);
    const set = trainingImages(images);
    const settings = { ...DEFAULT_DISTILL_SETTINGS, epochs: EPOCHS };
    const node = await distill({ runner: nodeModelRunner, teacher: model, student: lsq, images: set, settings, onEpoch: (e) => e.epoch && ctx.log(`  epoch ${e.epoch}: held-out KL ${e.heldOutLoss.toFixed(4)} (${e.seconds.toFixed(0)} s)`) });
    const distilledAcc = await testAccuracy(node.model, test);
    const nodeEpoch = (node.history[1]!.seconds - node.history[0]!.seconds);

    ctx.log(`${name}: one epoch on onnxruntime-web (WASM)`);
    const wasm = await distill({ runner: wasmRunner, teacher: model, student: lsq, images: set, settings: { ...settings, epochs: 1 } });
    const wasmEpoch = wasm.history[1]!.seconds - wasm.history[0]!.seconds;
    ctx.log(`${name}: one epoch on onnxruntime-node at one thread`);
    const node1 = await distill({ runner: nodeOneThreadRunner, teacher: model, student: lsq, images: set, settings: { ...settings, epochs: 1 } });
    const node1Epoch = node1.history[1]!.seconds - node1.history[0]!.seconds;

    const teacherFile = join(outDir, `${basename(file, '.onnx')}.teacher.onnx`);
    const studentFile = join(outDir, `${basename(file, '.onnx')}.student.onnx`);
    writeFileSync(teacherFile, encodeModel(model));
    writeFileSync(studentFile, encodeModel(lsq));
    ctx.log(`${name}: PyTorch anchor`);
    const torch = torchDistill(ctx, teacherFile, studentFile, splitHeldOut(set.images.length, settings.heldOutFraction, settings.seed));

    row('MACs kept', macsKept * 100, '%', '≤ 50 %', macsKept <= 0.5);
    row('accuracy unpruned', base * 100, '%');
    row(`accuracy ${CRITERION}+lsq`, lsqAcc * 100, '%');
    // One cut, the student PyTorch distils too; the 1-point target is the CLI's row below (two cuts by default).
    row('accuracy +distill (ort-node, one cut)', distilledAcc * 100, '%');
    row('distill seconds (ort-node)', node.seconds, 's');
    if (torch) {
      row('accuracy +distill (pytorch)', torch.testAccuracy * 100, '%');
      row('distill seconds (pytorch)', torch.seconds, 's');
      row('time ort-node / pytorch', node.seconds / torch.seconds, '×', '≤ 2', node.seconds / torch.seconds <= 2);
    }
    row('epoch time wasm / ort-node', wasmEpoch / nodeEpoch, '×', '≤ 3', wasmEpoch / nodeEpoch <= 3);
    row('epoch time wasm / ort-node at 1 thread', wasmEpoch / node1Epoch, '×');

    // What a user runs: the CLI with its defaults (criterion, order, two cuts) on a folder of PNGs.
    ctx.log(`${name}: prune --keep-macs 0.5 --recover lsq,distill --epochs ${EPOCHS} (the CLI's defaults)`);
    const cliOut = join(outDir, `${basename(file, '.onnx')}.cli.onnx`);
    let cliErr = '';
    const code = await cli(['prune', file, '-o', cliOut, '--keep-macs', '0.5', '--images', pngFolder, '--recover', 'lsq,distill', '--epochs', String(EPOCHS)], { stdout: () => {}, stderr: (t) => (cliErr += t), cwd: process.cwd() });
    if (code !== 0) ctx.log(`${name}: prune failed (${code}): ${cliErr.slice(-500)}`);
    else {
      const cliAcc = await testAccuracy(decodeModel(readFileSync(cliOut), cliOut), test);
      row('accuracy prune cli (defaults)', cliAcc * 100, '%', `≥ ${(base * 100 - 1).toFixed(2)} % (unpruned − 1)`, cliAcc >= base - 0.01);
    }
  }
  return rows;
}
