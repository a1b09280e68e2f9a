// Graph view layout speed on a big real export (torchvision DenseNet-121: 623 nodes): summary
// (what the studio worker sends the page) and dagre layout (what the layout worker computes),
// with every node drawn and in compact mode.
import { readFileSync } from 'node:fs';
import { buildGraph } from '../src/core/graph/ir.js';
import { inferShapes } from '../src/core/graph/shapes.js';
import { decodeModel } from '../src/core/onnx/codec.js';
import { layoutNodesFromSummary } from '../src/workers/layout/from-summary.js';
import { layoutGraph } from '../src/workers/layout/graph-layout.js';
import { summariseModel } from '../src/workers/studio/summarise.js';
import { ensureTorchvisionExport, timeIt, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'graph-layout';
/** Layout must feel immediate after a load; a second is the most a user should wait for a 600-node graph. */
const LAYOUT_TARGET_MS = 1000;

export default async function graphLayout(ctx: BenchContext): Promise<BenchRow[]> {
  const file = ensureTorchvisionExport(ctx, 'densenet121');
  if (!file) return [];
  const model = decodeModel(new Uint8Array(readFileSync(file)), file);
  const ir = buildGraph(model);
  const shapes = inferShapes(ir);
  const info = { fileName: 'densenet121.onnx', modelHash: '', fileBytes: 0, externalDataFiles: [] };
  const summaryMs = await timeIt(() => summariseModel(ir, shapes, info), { warmup: 1, runs: 5 });
  const summary = summariseModel(ir, shapes, info);
  const caseName = `densenet121 (${summary.nodes.length} nodes)`;
  const nodes = layoutNodesFromSummary(summary);
  const rows: BenchRow[] = [
    { suite: SUITE, case: caseName, metric: 'summary', value: summaryMs, unit: 'ms' },
    { suite: SUITE, case: caseName, metric: 'summary JSON size', value: JSON.stringify(summary).length / 1024, unit: 'KiB' },
  ];
  for (const compact of [false, true]) {
    const ms = await timeIt(() => layoutGraph({ nodes, edges: summary.edges, compact }), { warmup: 1, runs: 3 });
    const boxes = layoutGraph({ nodes, edges: summary.edges, compact }).nodes.length;
    const mode = compact ? 'compact' : 'every node';
    rows.push(
      { suite: SUITE, case: caseName, metric: `boxes (${mode})`, value: boxes, unit: '' },
      { suite: SUITE, case: caseName, metric: `dagre layout (${mode})`, value: ms, unit: 'ms', target: `≤ ${LAYOUT_TARGET_MS} ms`, pass: ms <= LAYOUT_TARGET_MS },
    );
  }
  return rows;
}
