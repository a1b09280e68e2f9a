// Accuracy after one-shot pruning to ~50 % of MACs, per criterion and per training-free recovery,
// on the trained demo models in public/models (Fashion-MNIST). Scores and recovery use at most 512
// UNLABELLED calibration images (public/samples/calibration); accuracy is measured on the held-out
// labelled test samples (public/samples/test). Target: at most 2 points below the unpruned accuracy.
// `BENCH_ACCURACY_MODELS=a.onnx,b.onnx` restricts the models, `BENCH_ACCURACY_DIR` reads them elsewhere; `BENCH_ACCURACY_QUICK=1` runs only
// l2/taylor with none/lsq (for a quick check).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseChannels, type ChannelAnalysis } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { decodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planFromRatios } from '../src/core/prune/allocate-plan.js';
import { allocateGreedy } from '../src/core/prune/allocate.js';
import { analyseSensitivity } from '../src/core/score/sensitivity.js';
import { recoverPruned, type RecoveryMethod } from '../src/core/recover/recover.js';
import { CRITERIA, scoreGroups } from '../src/core/score/criteria.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { compareOutputs, referenceOutputs } from '../src/core/score/metric.js';
import { loadImageBatches, nodeModelRunner } from '../src/cli/data/score-images.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'accuracy';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS_DIR = process.env.BENCH_ACCURACY_DIR ?? join(ROOT, 'public/models');
const TEST_DIR = join(ROOT, 'public/samples/test');
const CALIBRATION_DIR = join(ROOT, 'public/samples/calibration');
const MACS_KEPT = 0.5;
const MAX_DROP_POINTS = 2;
/** Images for scoring (the oracle runs once per channel, so it gets fewer). */
const SCORE_IMAGES = 256;
const ORACLE_IMAGES = 64;

async function accuracy(model: ModelProto, test: readonly ImageBatch[], output: string): Promise<number> {
  const outs = await referenceOutputs(model, nodeModelRunner, test);
  return compareOutputs(outs, outs, test, output).accuracy ?? NaN;
}

/** The uniform ratio whose pruned model keeps closest to (and at most) `MACS_KEPT` of the MACs. */
function uniformRatioForMacs(model: ModelProto, analysis: ChannelAnalysis, scores: ReadonlyMap<string, ArrayLike<number>>, baseMacs: number): Record<string, number> {
  const ids = [...scores.keys()];
  const ratiosFor = (r: number) => Object.fromEntries(ids.map((id) => [id, r]));
  const macsAt = (r: number) => computeMetrics(buildGraph(applyPlan(model, planFromRatios(model, analysis, scores, ratiosFor(r), 'bench'), analysis))).macs;
  let lo = 0;
  let hi = 0.95;
  for (let i = 0; i < 12; i++) {
    const mid = (lo + hi) / 2;
    if (macsAt(mid) > baseMacs * MACS_KEPT) lo = mid;
    else hi = mid;
  }
  return ratiosFor(hi);
}

/**
 * Per-group ratios reaching ~50 % MACs. Uniform: the same ratio everywhere. Sensitivity: greedy on
 * per-group curves measured as agreement with the unpruned model on calibration images.
 */
async function allocate(kind: string, model: ModelProto, analysis: ChannelAnalysis, scores: ReadonlyMap<string, ArrayLike<number>>, criterion: string, baseMacs: number, images: readonly ImageBatch[]): Promise<Record<string, number>> {
  if (kind === 'uniform') return uniformRatioForMacs(model, analysis, scores, baseMacs);
  const sensitivity = await analyseSensitivity(model, { runner: nodeModelRunner, batches: images, scores, criterion, ratios: [0.2, 0.4, 0.6, 0.8] }, analysis);
  return (await allocateGreedy(model, analysis, { scores, sensitivity, target: { kind: 'macs', keep: MACS_KEPT } })).ratios;
}

function modelFiles(): string[] {
  const only = process.env.BENCH_ACCURACY_MODELS?.split(',').filter(Boolean);
  if (!existsSync(MODELS_DIR)) return [];
  const files = readdirSync(MODELS_DIR).filter((f) => f.endsWith('.onnx')).sort();
  return only ? files.filter((f) => only.includes(f)) : files;
}

export default async function accuracyBench(ctx: BenchContext): Promise<BenchRow[]> {
  const files = modelFiles();
  if (!files.length) {
    ctx.log(`skip: no trained models in ${MODELS_DIR} (tools/train-demo makes them)`);
    return [];
  }
  const quick = process.env.BENCH_ACCURACY_QUICK === '1';
  const rows: BenchRow[] = [];
  for (const file of files) {
    const model = decodeModel(readFileSync(join(MODELS_DIR, file)), file);
    const output = model.graph!.output[0]!.name;
    const analysis = analyseChannels(buildGraph(model));
    const hasBn = model.graph!.node.some((n) => n.opType === 'BatchNormalization');
    const test = loadImageBatches(model, TEST_DIR, ROOT, { batchSize: 100 }).batches;
    const calibration = loadImageBatches(model, CALIBRATION_DIR, ROOT, { limit: 512, batchSize: 128 }).batches;
    const scoring = loadImageBatches(model, CALIBRATION_DIR, ROOT, { limit: SCORE_IMAGES, batchSize: 64 }).batches;
    const oracleImages = loadImageBatches(model, CALIBRATION_DIR, ROOT, { limit: ORACLE_IMAGES, batchSize: 64 }).batches;
    const base = await accuracy(model, test, output);
    const baseMacs = computeMetrics(analysis.ir, analysis.shapes).macs;
    rows.push({ suite: SUITE, case: `${file} unpruned`, metric: 'top-1', value: base * 100, unit: '%' });
    ctx.log(`${file}: unpruned ${(base * 100).toFixed(2)} % on ${test.reduce((a, b) => a + b.labels!.length, 0)} test images`);
    const allocations = quick ? ['uniform'] : ['uniform', 'sensitivity'];
    const criteria = CRITERIA.map((c) => c.id).filter((c) => (quick ? ['l2', 'taylor'].includes(c) : c !== 'bn-gamma' || hasBn));
    const recoveries: RecoveryMethod[] = quick ? ['none', 'lsq'] : ['none', hasBn ? 'bn' : 'bias', 'lsq'];
    for (const criterion of criteria) {
      const t0 = performance.now();
      const batches = criterion === 'oracle' ? oracleImages : scoring;
      const { scores } = await scoreGroups(model, criterion, { runner: nodeModelRunner, batches, seed: 1 }, analysis);
      if (!scores.size) {
        ctx.log(`${file} ${criterion}: no group could be scored; skipped`);
        continue;
      }
      for (const allocation of allocations) {
        const ratios = await allocate(allocation, model, analysis, scores, criterion, baseMacs, scoring);
        const plan = planFromRatios(model, analysis, scores, ratios, criterion);
        const pruned = applyPlan(model, plan, analysis);
        const macsKept = computeMetrics(buildGraph(pruned)).macs / baseMacs;
        for (const method of recoveries) {
          const recovered = method === 'none' ? pruned : (await recoverPruned(model, pruned, plan, method, { runner: nodeModelRunner, batches: calibration, maxImages: 512 }, analysis)).model;
          const acc = await accuracy(recovered, test, output);
          const drop = (base - acc) * 100;
          const label = `${file} ${criterion} ${allocation} → ${(macsKept * 100).toFixed(0)} % MACs, recover ${method}`;
          rows.push({ suite: SUITE, case: label, metric: 'top-1 drop', value: drop, unit: 'pts', target: `≤ ${MAX_DROP_POINTS} pts`, pass: drop <= MAX_DROP_POINTS });
          ctx.log(`${label}: ${(acc * 100).toFixed(2)} % (drop ${drop.toFixed(2)} pts; ${((performance.now() - t0) / 1000).toFixed(1)} s for this criterion so far)`);
        }
      }
    }
  }
  return rows;
}
