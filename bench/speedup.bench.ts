// Does pruning buy the speed its MACs promise? For each model: prune uniformly to about half of
// the MACs (L2), then compare the measured onnxruntime-node speed-up with the MACs reduction.
// Target: speed-up ÷ MACs reduction ≥ 0.9. Measured with round_to 1 and 8: odd channel counts
// (13, 22, ...) fall off the vectorised kernels' fast paths, multiples of 8 stay on them.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { modelMetrics } from '../src/core/metrics/model-metrics.js';
import { applyPlan } from '../src/core/prune/apply.js';
import { planPrune } from '../src/core/prune/planner.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'speedup';
const TARGET = 0.9;
/** A uniform channel ratio p keeps about (1 − p)² of the MACs: 0.3 → ~49 %. */
const RATIO = 0.3;

async function latencyMs(bytes: Uint8Array, inputShape: number[], batch: number): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  const shape = [batch, ...inputShape.slice(1)];
  const input = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
  const feeds = { [session.inputNames[0]!]: input };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const times: number[] = [];
  const deadline = performance.now() + 3000;
  while (times.length < 15 || (performance.now() < deadline && times.length < 200)) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  return median(times) / batch;
}

export default async function speedupBench(ctx: BenchContext): Promise<BenchRow[]> {
  const cases: { name: string; file: string | undefined; shape: number[]; batch: number }[] = [
    { name: 'fmnist-resnet8 (demo)', file: 'public/models/fmnist-resnet8.onnx', shape: [1, 1, 28, 28], batch: 32 },
    { name: 'fmnist-squeezenet', file: 'public/models/fmnist-squeezenet.onnx', shape: [1, 1, 28, 28], batch: 32 },
    { name: 'fmnist-vgg', file: 'public/models/fmnist-vgg.onnx', shape: [1, 1, 28, 28], batch: 32 },
    { name: 'resnet50', file: ensureTorchvisionExport(ctx, 'resnet50'), shape: [1, 3, 224, 224], batch: 1 },
  ];
  const rows: BenchRow[] = [];
  for (const c of cases) {
    if (!c.file) continue;
    const bytes = new Uint8Array(readFileSync(c.file));
    const model = decodeModel(bytes, c.file);
    const analysis = analyseChannels(buildGraph(model));
    for (const roundTo of [1, 8]) {
      const label = `${c.name}, round_to ${roundTo}`;
      const pruned = applyPlan(model, planPrune(model, analysis, { ratio: RATIO, criterion: 'l2', roundTo }), analysis);
      const macsBefore = modelMetrics(model).macs;
      const macsAfter = modelMetrics(pruned).macs;
      const before = await latencyMs(bytes, c.shape, c.batch);
      const after = await latencyMs(encodeModel(pruned), c.shape, c.batch);
      const macsReduction = macsBefore / macsAfter;
      const speedup = before / after;
      const unit = `batch ${c.batch}, 1 thread`;
      rows.push({ suite: SUITE, case: label, metric: 'MACs kept', value: (100 * macsAfter) / macsBefore, unit: '%' });
      rows.push({ suite: SUITE, case: label, metric: `latency before → after (${unit})`, value: after, unit: `ms/image (from ${before.toFixed(3)})` });
      rows.push({ suite: SUITE, case: label, metric: 'speed-up', value: speedup, unit: '×' });
      rows.push({
        suite: SUITE, case: label, metric: 'speed-up ÷ MACs reduction', value: speedup / macsReduction, unit: '×',
        target: `≥ ${TARGET}×`, pass: speedup / macsReduction >= TARGET,
      });
    }
  }
  return rows;
}
