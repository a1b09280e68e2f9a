// Pruning speed (bytes → analyse → plan 50 % L2 → apply → bytes) on full-width torchvision models,
// and the inference speed-up that pruning buys in onnxruntime-node (batch 1, same thread count).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planPrune } from '../src/core/prune/planner.js';
import { ensureTorchvisionExport, median, timeIt, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'prune';
const RESNET50_TARGET_MS = 500;
const SPEEDUP_TARGET = 1.6;
const MODELS = ['resnet50', 'densenet121', 'mobilenet_v2', 'efficientnet_b0'];

/** The whole CLI path minus file I/O: decode, analyse, plan, apply, encode. */
function pruneBytes(bytes: Uint8Array, ratio: number): Uint8Array {
  const model = decodeModel(bytes);
  const analysis = analyseChannels(buildGraph(model));
  return encodeModel(applyPlan(model, planPrune(model, analysis, { ratio, criterion: 'l2' }), analysis));
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

export default async function pruneBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
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
    if (!isResnet) continue;
    const threads = 1;
    const before = await latencyMs(bytes, threads);
    const after = await latencyMs(pruned, threads);
    ctx.log(`${name}: ${before.toFixed(1)} ms → ${after.toFixed(1)} ms per image (${threads} thread)`);
    rows.push({ suite: SUITE, case: name, metric: 'latency original (batch 1, 1 thread)', value: before, unit: 'ms' });
    rows.push({ suite: SUITE, case: name, metric: 'latency 50% pruned (batch 1, 1 thread)', value: after, unit: 'ms' });
    rows.push({ suite: SUITE, case: name, metric: 'speed-up', value: before / after, unit: '×', target: `≥ ${SPEEDUP_TARGET}×`, pass: before / after >= SPEEDUP_TARGET });
  }
  return rows;
}
