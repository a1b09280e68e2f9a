// Pruning speed (bytes → analyse → plan 50 % L2 → apply → bytes) on full-width torchvision models,
// the inference speed-up that pruning buys in onnxruntime-node (batch 1, same thread count), and
// what the safety checks cost (post-surgery check, model validator) on ResNet-50 and the demo model.
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { checkConsistency } from '../src/core/graph/consistency.js';
import { validateModel } from '../src/core/graph/validate.js';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planPrune } from '../src/core/prune/planner.js';
import { modelMetrics } from '../src/core/metrics/model-metrics.js';
import { ensureTorchvisionExport, median, timeIt, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'prune';
const RESNET50_TARGET_MS = 500;
const SPEEDUP_TARGET = 1.6;
const VIT_TARGET_MS = 3000;
// PRUNE_BENCH_MODELS=resnet50,vit_b_16 (comma-separated) runs a subset.
const MODELS = process.env.PRUNE_BENCH_MODELS?.split(',').filter((m) => m !== 'vit_b_16') ?? ['resnet50', 'densenet121', 'mobilenet_v2', 'efficientnet_b0'];
const RUN_VIT = !process.env.PRUNE_BENCH_MODELS || process.env.PRUNE_BENCH_MODELS.split(',').includes('vit_b_16');
/** Models whose check costs are reported (torchvision names, or a file for the demo). */
const CHECKED: Record<string, string | undefined> = { resnet50: undefined, 'fmnist-resnet8 (demo)': 'public/models/fmnist-resnet8.onnx' };

/** The whole CLI path minus file I/O: decode, analyse, plan, apply, encode. */
function pruneBytes(bytes: Uint8Array, ratio: number): Uint8Array {
  const model = decodeModel(bytes);
  const analysis = analyseChannels(buildGraph(model));
  return encodeModel(applyPlan(model, planPrune(model, analysis, { ratio, criterion: 'l2' }), analysis));
}

const elapsed = (fn: () => unknown) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

/**
 * What the checks cost, as ratios of medians from one interleaved loop (machine load hits every
 * step alike): applyPlan, which ends in the post-surgery check; the check alone (buildGraph +
 * checkConsistency on the pruned model: all assertSurgeryConsistent does when surgery is sound);
 * the validator that every CLI load runs (validateModel on the input); decode and the whole path.
 */
function checkCostRows(name: string, bytes: Uint8Array, runs = 5): BenchRow[] {
  const model = decodeModel(bytes);
  const analysis = analyseChannels(buildGraph(model));
  const plan = planPrune(model, analysis, { ratio: 0.5, criterion: 'l2' });
  const pruned = applyPlan(model, plan, analysis);
  const problems = checkConsistency(buildGraph(pruned));
  if (problems.length) throw new Error(`${name}: the pruned model fails the post-surgery check: ${problems[0]!.message}`);
  const t = { apply: [] as number[], check: [] as number[], validate: [] as number[], decode: [] as number[], whole: [] as number[] };
  for (let i = 0; i <= runs; i++) {
    const step = {
      apply: elapsed(() => applyPlan(model, plan, analysis)),
      check: elapsed(() => checkConsistency(buildGraph(pruned))),
      validate: elapsed(() => validateModel(model)),
      decode: elapsed(() => decodeModel(bytes)),
      whole: elapsed(() => pruneBytes(bytes, 0.5)),
    };
    if (i === 0) continue; // warm-up
    for (const k of Object.keys(t) as (keyof typeof t)[]) t[k].push(step[k]);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>;
  const row = (metric: string, value: number, unit: string): BenchRow => ({ suite: SUITE, case: name, metric, value, unit });
  return [
    row('applyPlan 50% L2 (ends in the post-surgery check)', m.apply, 'ms'),
    row('post-surgery check alone (buildGraph + checkConsistency)', m.check, 'ms'),
    row('post-surgery check / applyPlan', (m.check / m.apply) * 100, '%'),
    row('validator (validateModel on the input)', m.validate, 'ms'),
    row('validator / decode', m.validate / m.decode, '×'),
    row('validator / decode+analyse+plan+apply+encode', (m.validate / m.whole) * 100, '%'),
  ];
}

/** Median latency (ms) of single-image inference with a fixed thread count. */
async function latencyMs(bytes: Uint8Array, threads: number): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
  const feeds = { [session.inputNames[0]!]: input };
  const ms = await timeIt(() => session.run(feeds), { warmup: 3, runs: 15 });
  await session.release();
  return ms;
}

/**
 * torchvision ViT-B/16 (opset 14, 346 MB): bytes → bytes at ratio 0.3 (heads, MLP and embedding
 * width all cut), the MACs left, and the latency it buys in onnxruntime-node.
 */
async function vitRows(ctx: BenchContext): Promise<BenchRow[]> {
  const file = ensureTorchvisionExport(ctx, 'vit_b_16', { opset: 14 });
  if (!file) return [];
  const bytes = new Uint8Array(readFileSync(file));
  const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean): BenchRow => ({ suite: SUITE, case: 'vit_b_16', metric, value, unit, ...(target ? { target, pass } : {}) });
  const ms = await timeIt(() => pruneBytes(bytes, 0.3), { warmup: 1, runs: 3 });
  const c0 = process.cpuUsage();
  const pruned = pruneBytes(bytes, 0.3);
  const c = process.cpuUsage(c0);
  const before = modelMetrics(decodeModel(bytes)).macs;
  const after = modelMetrics(decodeModel(pruned)).macs;
  const latencyBefore = await latencyMs(bytes, 1);
  const latencyAfter = await latencyMs(pruned, 1);
  return [
    row('analyse+plan+apply+encode (30%, L2)', ms, 'ms', `≤ ${VIT_TARGET_MS} ms`, ms <= VIT_TARGET_MS),
    row('same, CPU time (user+sys)', (c.user + c.system) / 1000, 'ms'),
    row('MACs after 30%', after / before, '× original', '≤ 0.72×', after / before <= 0.72),
    row('latency original (batch 1, 1 thread)', latencyBefore, 'ms'),
    row('latency 30% pruned (batch 1, 1 thread)', latencyAfter, 'ms'),
    row('speed-up', latencyBefore / latencyAfter, '×'),
  ];
}

export default async function pruneBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (RUN_VIT) rows.push(...(await vitRows(ctx)));
  for (const name of MODELS) {
    const file = ensureTorchvisionExport(ctx, name);
    if (!file) continue;
    const bytes = new Uint8Array(readFileSync(file));
    const ms = await timeIt(() => pruneBytes(bytes, 0.5), { warmup: 1, runs: 5 });
    // CPU time too: on a shared machine wall time also counts other processes' turns.
    const cpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c0 = process.cpuUsage();
      pruneBytes(bytes, 0.5);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    rows.push({ suite: SUITE, case: name, metric: 'same, CPU time (user+sys)', value: median(cpu), unit: 'ms' });
    const isResnet = name === 'resnet50';
    rows.push({
      suite: SUITE, case: name, metric: 'analyse+plan+apply+encode (50%, L2)', value: ms, unit: 'ms',
      ...(isResnet ? { target: `≤ ${RESNET50_TARGET_MS} ms`, pass: ms <= RESNET50_TARGET_MS } : {}),
    });
    const pruned = pruneBytes(bytes, 0.5);
    rows.push({ suite: SUITE, case: name, metric: 'size after 50%', value: (pruned.length / bytes.length) * 100, unit: '% of original' });
    if (name in CHECKED) rows.push(...checkCostRows(name, bytes));
    if (!isResnet) continue;
    const threads = 1;
    const before = await latencyMs(bytes, threads);
    const after = await latencyMs(pruned, threads);
    ctx.log(`${name}: ${before.toFixed(1)} ms → ${after.toFixed(1)} ms per image (${threads} thread)`);
    rows.push({ suite: SUITE, case: name, metric: 'latency original (batch 1, 1 thread)', value: before, unit: 'ms' });
    rows.push({ suite: SUITE, case: name, metric: 'latency 50% pruned (batch 1, 1 thread)', value: after, unit: 'ms' });
    rows.push({ suite: SUITE, case: name, metric: 'speed-up', value: before / after, unit: '×', target: `≥ ${SPEEDUP_TARGET}×`, pass: before / after >= SPEEDUP_TARGET });
  }
  for (const [name, file] of Object.entries(CHECKED)) {
    if (!file) continue;
    if (existsSync(file)) rows.push(...checkCostRows(name, new Uint8Array(readFileSync(file))));
    else ctx.log(`skip ${name}: no ${file}`);
  }
  return rows;
}
