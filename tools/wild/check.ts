// "Models from the wild", checked from outside: each real pretrained model fetched by fetch.sh is
// pruned by the CLI (`prune --ratio 0.3`, a separate process, as a user runs it); the written model
// must run in onnxruntime-node with the original's outputs and shapes and fewer MACs, or the CLI
// must refuse. Then, in process, pruned == masked for a random plan and a half plan.
//   bash tools/wild/fetch.sh && npx tsx tools/wild/check.ts [NAME ...]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../../src/core/onnx/codec.js';
import { buildGraph } from '../../src/core/graph/ir.js';
import { analyseChannels } from '../../src/core/graph/channels/analyse.js';
import { applyPlan } from '../../src/core/prune/apply.js';
import { halfPlan, maskedReference, randomPlan } from '../../src/core/prune/test-utils/masked.js';
import { randomInputs, runModel } from '../../src/core/prune/test-utils/ort.js';

const DIR = 'bench/cache/wild';
const MODELS: Record<string, string> = {
  'isnet-fp16': '1,3,1024,1024',
  'isnet-quint8': '1,3,1024,1024',
  'ppocr-det': '1,3,640,640',
  'ppocr-rec': '1,3,48,320',
  'ppocr-cls': '1,3,48,192',
};

/** Largest |a − b| relative to the largest |a|, over every output. */
function relativeError(a: Record<string, { data: Float32Array }>, b: Record<string, { data: Float32Array }>): number {
  let worst = 0;
  for (const k of Object.keys(a)) {
    let scale = 1e-6;
    let diff = 0;
    a[k]!.data.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); diff = Math.max(diff, Math.abs(v - b[k]!.data[i]!)); });
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

async function outputsOf(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, number[]>> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  try {
    const out = await s.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]]));
  } finally {
    await s.release();
  }
}

const rows: string[][] = [['model', 'CLI', 'groups (prunable)', 'MACs before → after', 'runs, same outputs', 'pruned vs masked (rel.)']];
for (const name of process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(MODELS)) {
  const file = join(DIR, `${name}.onnx`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash tools/wild/fetch.sh first`);
  const shape = MODELS[name]!;
  const out = join(DIR, `${name}-p30.onnx`);
  const cli = spawnSync('node', ['bin/prune-studio.mjs', 'prune', file, '-o', out, '--ratio', '0.3', '--input-shape', shape, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (cli.status !== 0) {
    rows.push([name, `refused (exit ${cli.status})`, '', '', '', cli.stderr.trim().slice(0, 120)]);
    continue;
  }
  const report = JSON.parse(cli.stdout) as { before: { macs: number }; after: { macs: number } };
  const model = decodeModel(readFileSync(file), file);
  const analysis = analyseChannels(buildGraph(model));
  const feeds = randomInputs([{ name: model.graph!.input[0]!.name, shape: shape.split(',').map(Number) }], 7, 1);
  const [want, got] = [await outputsOf(file, feeds), await outputsOf(out, feeds)];
  const same = JSON.stringify(want) === JSON.stringify(got);
  // ONNX semantics (no fusions) for quantized models, as in apply.fixtures.test.ts.
  const reference = model.graph!.node.some((n) => n.opType.includes('Quantize'));
  const errors: string[] = [];
  for (const plan of [randomPlan(analysis, 1), halfPlan(analysis)]) {
    const masked = await runModel(maskedReference(model, plan, analysis), feeds, reference);
    const pruned = await runModel(encodeModel(applyPlan(model, plan, analysis)), feeds, reference);
    errors.push(relativeError(masked, pruned).toExponential(1));
  }
  const g = analysis.groups;
  rows.push([name, 'exit 0', `${g.length} (${g.filter((x) => x.prunable).length})`,
    `${(report.before.macs / 1e9).toFixed(2)} G → ${(report.after.macs / 1e9).toFixed(2)} G (${(100 * report.after.macs / report.before.macs).toFixed(1)} %)`,
    same ? `yes (${Object.keys(got).length} outputs)` : `NO: ${JSON.stringify(got)}`, errors.join(', ')]);
  if (!same) process.exitCode = 1;
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
