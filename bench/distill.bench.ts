// Distillation after pruning (docs/training.md), on the demo models and on held-out variants trained
// the same way with another seed (bench/cache/heldout, from `tools/train-demo/chain.sh heldout-ARCH`):
// one-shot Taylor pruning to ≤ 50 % of the MACs (global ranking), least squares, then distillation
// from the unpruned model on 4,096 UNLABELLED Fashion-MNIST training images for 10 epochs.
// Accuracy on the full 10,000-image test set. Targets: distilled within 1 point of the unpruned model;
// ORT-node time ≤ 2× PyTorch CPU (same images, epochs and recipe: tools/torch-anchor/distill.py, run
// here when /usr/bin/python3 has torch); WASM (onnxruntime-web in Node, one epoch) ≤ 3× ORT-node.
// BENCH_DISTILL_MODELS=a.onnx,b.onnx restricts the models; BENCH_DISTILL_EPOCHS=N shortens the runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planForTarget } from '../src/core/prune/target.js';
import { recoverPruned } from '../src/core/recover/recover.js';
import { scoreGroups } from '../src/core/score/criteria.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { compareOutputs, referenceOutputs } from '../src/core/score/metric.js';
import type { ModelRunner } from '../src/core/score/runner.js';
import { DEFAULT_DISTILL_SETTINGS, distill } from '../src/core/train/distill.js';
import { splitHeldOut, trainingImages } from '../src/core/train/images.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { createSession } from '../src/runtime/session.js';
import { fashionMnistBatches, fashionMnistPath, hasFashionMnist, unlabelled } from './fashion-mnist.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'distill';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN_IMAGES = 4096;
const EPOCHS = Number(process.env.BENCH_DISTILL_EPOCHS ?? 10);
const wasmRunner: ModelRunner = async (m) => (await createSession(encodeModel(m), { backend: 'wasm' })).session;

async function accuracy(model: ModelProto, test: readonly ImageBatch[]): Promise<number> {
  const outs = await referenceOutputs(model, nodeModelRunner, test);
  return compareOutputs(outs, outs, test, model.graph!.output[0]!.name).accuracy!;
}

function modelFiles(ctx: BenchContext): { file: string; heldOut: boolean }[] {
  const demo = ['fmnist-resnet8.onnx', 'fmnist-squeezenet.onnx', 'fmnist-vgg.onnx'].map((f) => ({ file: join(ROOT, 'public/models', f), heldOut: false }));
  const dir = process.env.BENCH_HELDOUT_DIR ?? join(ctx.cacheDir, 'heldout');
  const held = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => ({ file: join(dir, f), heldOut: true })) : [];
  if (!held.length) ctx.log(`no held-out variants in ${dir}: train them with tools/train-demo/chain.sh heldout-resnet8|heldout-squeezenet|heldout-vgg`);
  const only = process.env.BENCH_DISTILL_MODELS?.split(',');
  return [...demo, ...held].filter((m) => !only || only.includes(basename(m.file)));
}

/** The PyTorch anchor on the same images and split; undefined without torch. */
function torchAnchor(ctx: BenchContext, teacher: string, student: string, split: { train: number[]; heldOut: number[] }): { seconds: number; testAccuracy: number } | undefined {
  if (!ctx.python) return undefined;
  const cfg = join(ctx.cacheDir, 'distill-split.json');
  writeFileSync(cfg, JSON.stringify({
    images: fashionMnistPath('train', 'images'), test: fashionMnistPath('t10k', 'images'), testLabels: fashionMnistPath('t10k', 'labels'),
    train: split.train, heldOut: split.heldOut, epochs: EPOCHS, batch: DEFAULT_DISTILL_SETTINGS.batchSize, lr: DEFAULT_DISTILL_SETTINGS.lr,
    temperature: DEFAULT_DISTILL_SETTINGS.temperature, seed: 0, threads: 2,
  }));
  try {
    const out = execFileSync(ctx.python, [join(ROOT, 'tools/torch-anchor/distill.py'), '--teacher', teacher, '--student', student, '--split', cfg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; testAccuracy: number };
  } catch (err) {
    ctx.log(`PyTorch anchor failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export default async function distillBench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!hasFashionMnist()) {
    ctx.log('Fashion-MNIST IDX files missing (apt-get install dataset-fashion-mnist): skipped');
    return [];
  }
  const rows: BenchRow[] = [];
  const test = fashionMnistBatches('t10k', 0, 10000, 500);
  const images = unlabelled(fashionMnistBatches('train', 0, TRAIN_IMAGES, 64));
  const calibration = images.slice(0, 8); // 512 images
  const outDir = join(ctx.cacheDir, 'distill');
  mkdirSync(outDir, { recursive: true });
  for (const { file, heldOut } of modelFiles(ctx)) {
    const name = `${basename(file, '.onnx')}${heldOut ? ' (held-out)' : ''}`;
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: name, metric, value, unit, target, pass });
    ctx.log(`${name}: pruning to 50 % MACs (taylor, global) + lsq`);
    const model = decodeModel(readFileSync(file), file);
    const base = await accuracy(model, test);
    const analysis = analyseChannels(buildGraph(model));
    const scores = (await scoreGroups(model, 'taylor', { runner: nodeModelRunner, batches: calibration.slice(0, 4) }, analysis)).scores;
    const target = await planForTarget(model, analysis, { target: { kind: 'macs', keep: 0.5 }, method: 'global', scores, criterion: 'taylor' });
    const pruned = applyPlan(model, target.plan, analysis);
    const lsq = (await recoverPruned(model, pruned, target.plan, 'lsq', { runner: nodeModelRunner, batches: calibration }, analysis)).model;
    const lsqAcc = await accuracy(lsq, test);
    const macsKept = computeMetrics(buildGraph(lsq)).macs / computeMetrics(buildGraph(model)).macs;

    ctx.log(`${name}: distilling on ${TRAIN_IMAGES} unlabelled images, ${EPOCHS} epochs (onnxruntime-node)`);
    const set = trainingImages(images);
    const settings = { ...DEFAULT_DISTILL_SETTINGS, epochs: EPOCHS };
    const node = await distill({ runner: nodeModelRunner, teacher: model, student: lsq, images: set, settings, onEpoch: (e) => e.epoch && ctx.log(`  epoch ${e.epoch}: held-out KL ${e.heldOutLoss.toFixed(4)} (${e.seconds.toFixed(0)} s)`) });
    const distilledAcc = await accuracy(node.model, test);
    const nodeEpoch = (node.history[1]!.seconds - node.history[0]!.seconds);

    ctx.log(`${name}: one epoch on onnxruntime-web (WASM)`);
    const wasm = await distill({ runner: wasmRunner, teacher: model, student: lsq, images: set, settings: { ...settings, epochs: 1 } });
    const wasmEpoch = wasm.history[1]!.seconds - wasm.history[0]!.seconds;

    const teacherFile = join(outDir, `${basename(file, '.onnx')}.teacher.onnx`);
    const studentFile = join(outDir, `${basename(file, '.onnx')}.student.onnx`);
    writeFileSync(teacherFile, encodeModel(model));
    writeFileSync(studentFile, encodeModel(lsq));
    ctx.log(`${name}: PyTorch anchor`);
    const torch = torchAnchor(ctx, teacherFile, studentFile, splitHeldOut(set.images.length, settings.heldOutFraction, settings.seed));

    row('MACs kept', macsKept * 100, '%', '≤ 50 %', macsKept <= 0.5);
    row('accuracy unpruned', base * 100, '%');
    row('accuracy taylor+lsq', lsqAcc * 100, '%');
    row('accuracy +distill (ort-node)', distilledAcc * 100, '%', `≥ ${(base * 100 - 1).toFixed(2)} % (unpruned − 1)`, distilledAcc >= base - 0.01);
    row('distill seconds (ort-node)', node.seconds, 's');
    if (torch) {
      row('accuracy +distill (pytorch)', torch.testAccuracy * 100, '%');
      row('distill seconds (pytorch)', torch.seconds, 's');
      row('time ort-node / pytorch', node.seconds / torch.seconds, '×', '≤ 2', node.seconds / torch.seconds <= 2);
    }
    row('epoch time wasm / ort-node', wasmEpoch / nodeEpoch, '×', '≤ 3', wasmEpoch / nodeEpoch <= 3);
  }
  return rows;
}
