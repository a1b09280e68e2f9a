// What the accuracy-claiming benches share: the demo models plus their held-out variants (seed-1
// models trained the same way, bench/cache/heldout, from tools/train-demo/chain.sh heldout-ARCH),
// test-set accuracy, the one-shot "Taylor to a MACs target + least squares" starting point, and the
// PyTorch anchors (tools/torch-anchor/*.py, run with Debian's python3-torch).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { applyPlan } from '../src/core/prune/apply.js';
import type { PrunePlan } from '../src/core/prune/plan.js';
import { planForTarget } from '../src/core/prune/target.js';
import { limitImages, recoverPruned } from '../src/core/recover/recover.js';
import { scoreGroups, scoreImages, type CriterionId } from '../src/core/score/criteria.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { compareOutputs, referenceOutputs } from '../src/core/score/metric.js';
import { orderBeforeRefit } from '../src/cli/data/prune-scoring.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { DEFAULT_DISTILL_SETTINGS } from '../src/core/train/distill.js';
import { fashionMnistPath } from './fashion-mnist.js';
import type { BenchContext } from './harness.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = ['fmnist-resnet8.onnx', 'fmnist-squeezenet.onnx', 'fmnist-vgg.onnx', 'fmnist-vit.onnx'];

export interface BenchModel {
  file: string;
  /** File name without .onnx, marked "(held-out)" for the variants never tuned on. */
  name: string;
  heldOut: boolean;
}

/** Demo models, then held-out variants; `only` (file names, e.g. from an env var) restricts them. */
export function demoAndHeldOutModels(ctx: BenchContext, only?: readonly string[]): BenchModel[] {
  const demo = DEMO.map((f) => ({ file: join(ROOT, 'public/models', f), heldOut: false }));
  const dir = process.env.BENCH_HELDOUT_DIR ?? join(ctx.cacheDir, 'heldout');
  const held = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => ({ file: join(dir, f), heldOut: true })) : [];
  if (!held.length) ctx.log(`no held-out variants in ${dir}: train them with tools/train-demo/chain.sh heldout-resnet8|heldout-squeezenet|heldout-vgg|heldout-vit`);
  return [...demo, ...held]
    .filter((m) => !only || only.includes(basename(m.file)))
    .map((m) => ({ ...m, name: `${basename(m.file, '.onnx')}${m.heldOut ? ' (held-out)' : ''}` }));
}

/** Top-1 accuracy of the first output (or `output`) on labelled batches. */
export async function testAccuracy(model: ModelProto, test: readonly ImageBatch[], output = model.graph!.output[0]!.name): Promise<number> {
  const outs = await referenceOutputs(model, nodeModelRunner, test);
  return compareOutputs(outs, outs, test, output).accuracy ?? NaN;
}

/**
 * One-shot `criterion` (default Taylor) to keep `keep` of the MACs with the global ranking, then least
 * squares on the first 512 of `images`: the start the training benches compare against. The criterion
 * scores on as many of `images` as the CLI's `prune --criterion NAME` reads by default (scoreImages:
 * Taylor 4,096), and, as the CLI does before least squares on a one-output model (orderBeforeRefit),
 * each group's channels are taken in reconstruction order.
 */
export async function oneShotLsq(model: ModelProto, images: readonly ImageBatch[], keep: number, criterion: CriterionId = 'taylor'): Promise<{ model: ModelProto; plan: PrunePlan }> {
  const analysis = analyseChannels(buildGraph(model));
  const order = orderBeforeRefit(model);
  const orderBy = order === criterion ? undefined : order;
  const scores = (await scoreGroups(model, criterion, { runner: nodeModelRunner, batches: limitImages(images, scoreImages(criterion)), orderBy }, analysis)).scores;
  const target = await planForTarget(model, analysis, { target: { kind: 'macs', keep }, method: 'global', scores, criterion });
  const pruned = applyPlan(model, target.plan, analysis);
  return { model: (await recoverPruned(model, pruned, target.plan, 'lsq', { runner: nodeModelRunner, batches: limitImages(images, 512) }, analysis)).model, plan: target.plan };
}

/**
 * The split file of tools/torch-anchor/distill.py: Fashion-MNIST training images `split` (indices),
 * the test set, and the distill recovery's own recipe (DEFAULT_DISTILL_SETTINGS), so the PyTorch
 * anchor always runs what ours does. `extra` adds options such as keepZeros.
 */
export function torchDistillSplit(split: { train: readonly number[]; heldOut: readonly number[] }, epochs: number = DEFAULT_DISTILL_SETTINGS.epochs, extra: Record<string, unknown> = {}): string {
  const d = DEFAULT_DISTILL_SETTINGS;
  return JSON.stringify({
    images: fashionMnistPath('train', 'images'), test: fashionMnistPath('t10k', 'images'), testLabels: fashionMnistPath('t10k', 'labels'),
    train: split.train, heldOut: split.heldOut, epochs, batch: d.batchSize, lr: d.lr, optimizer: d.optimizer, temperature: d.temperature, seed: 0, threads: 2, ...extra,
  });
}

/** Runs tools/torch-anchor/SCRIPT with `args` and parses its last stdout line as JSON; undefined without torch or on failure (logged). */
export function torchAnchor<T>(ctx: BenchContext, script: string, args: readonly string[]): T | undefined {
  if (!ctx.python) return undefined;
  try {
    const out = execFileSync(ctx.python, [join(ROOT, 'tools/torch-anchor', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!) as T;
  } catch (err) {
    ctx.log(`PyTorch anchor ${script} failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}
