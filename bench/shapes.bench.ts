// Shape inference + metrics speed on the committed shape-only torchvision graphs (no torch needed).
// The studio reruns both after every pruning edit, so they must stay interactive on big graphs.
import { readFileSync } from 'node:fs';
import { decodeModel } from '../src/core/onnx/codec.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { inferShapes } from '../src/core/graph/shapes.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { timeIt, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'shapes+metrics';
const TARGET_MS = 50;
const MODELS = ['resnet50', 'efficientnet_b0', 'densenet121'];

export default async function shapesBench(_ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of MODELS) {
    const file = `tools/fixtures/shape-only/${name}.onnx`;
    const model = decodeModel(readFileSync(file), file);
    const ir = buildGraph(model);
    const caseName = `${name} (${ir.nodes.length} nodes)`;
    const shapesMs = await timeIt(() => inferShapes(ir), { warmup: 3, runs: 15 });
    const totalMs = await timeIt(() => {
      const g = buildGraph(model);
      return computeMetrics(g, inferShapes(g));
    }, { warmup: 3, runs: 15 });
    rows.push(
      { suite: SUITE, case: caseName, metric: 'inferShapes', value: shapesMs, unit: 'ms' },
      { suite: SUITE, case: caseName, metric: 'buildGraph+inferShapes+metrics', value: totalMs, unit: 'ms', target: `≤ ${TARGET_MS} ms`, pass: totalMs <= TARGET_MS },
    );
  }
  return rows;
}
