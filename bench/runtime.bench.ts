// Runtime speed: ms/image on onnxruntime-node vs onnxruntime-web's WASM build (in Node), and the
// overhead of activation capture (extra outputs + per-channel statistics) over plain inference.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { defaultCaptureMode, prepareCapture } from '../src/runtime/capture.js';
import { modelInput } from '../src/runtime/evaluate.js';
import { createSession, type Float32Tensor } from '../src/runtime/session.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'runtime';
const CAPTURE_TARGET = 1.3;
const BATCHES = 4;
const ROUNDS = 9;
const WARMUP_ROUNDS = 2;

interface Case {
  name: string;
  bytes: Uint8Array;
  batch: number;
}

/** Every ReLU output (what activation criteria score); Conv outputs when a model has no ReLU. */
function captureTargets(model: ModelProto): string[] {
  const nodes = model.graph!.node;
  const relu = nodes.filter((n) => n.opType === 'Relu').map((n) => n.output[0]!);
  return relu.length ? relu : nodes.filter((n) => n.opType === 'Conv').map((n) => n.output[0]!);
}

function randomBatches(shape: (number | string)[], batch: number): Record<string, Float32Tensor>[] {
  const dims = shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 224));
  const size = dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: BATCHES }, (_, b) => ({ x: { dims, data: Float32Array.from({ length: size }, (_, i) => Math.abs(Math.sin(i * 0.37 + b))) } }));
}

function cases(ctx: BenchContext): Case[] {
  const out: Case[] = [{ name: 'fixture classifier 1×28×28', bytes: readFileSync('src/runtime/test-data/classifier.onnx'), batch: 16 }];
  const demo = existsSync('public/models') ? readdirSync('public/models').filter((f) => f.endsWith('.onnx')).sort() : [];
  if (demo[0]) out.push({ name: `demo ${basename(demo[0], '.onnx')}`, bytes: readFileSync(`public/models/${demo[0]}`), batch: 16 });
  else ctx.log('no demo model in public/models yet: skipping that case');
  const resnet = ensureTorchvisionExport('resnet18', { ...ctx, size: 112 });
  if (resnet) out.push({ name: 'resnet18 3×112×112', bytes: readFileSync(resnet), batch: 4 });
  return out;
}

export default async function runtimeBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of cases(ctx)) {
    const model = decodeModel(c.bytes, c.name);
    const input = modelInput(c.bytes, c.name);
    const batches = randomBatches(input.shape, c.batch).map((b) => ({ [input.name]: b.x! }));
    const targets = captureTargets(model);
    const prepared = { graph: prepareCapture(model, targets, 'graph'), js: prepareCapture(model, targets, 'js') };
    if (prepared.graph.fallbackReason) ctx.log(`${c.name}: ${prepared.graph.fallbackReason}`);
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean): BenchRow => ({
      suite: SUITE, case: c.name, metric, value, unit, ...(target ? { target, pass } : {}),
    });
    const perImage: Record<string, number> = {};
    for (const backend of ['cpu-node', 'wasm'] as const) {
      // Plain and both capture modes are timed in turn within each round, so load from other
      // processes on a shared machine drifts into all three alike; medians over the rounds.
      const plain = (await createSession(c.bytes, { backend })).session;
      const capturing = { graph: (await createSession(prepared.graph.bytes, { backend })).session, js: (await createSession(prepared.js.bytes, { backend })).session };
      const contenders: [string, () => Promise<unknown>][] = [
        ['plain', async () => { for (const feeds of batches) await plain.run(feeds); }],
        ['graph', () => prepared.graph.accumulate(capturing.graph, batches)],
        ['js', () => prepared.js.accumulate(capturing.js, batches)],
      ];
      const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
      for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        for (const [name, fn] of contenders) {
          const t0 = performance.now();
          await fn();
          if (round >= 0) times.get(name)!.push(performance.now() - t0);
        }
      }
      await Promise.all([plain.release(), capturing.graph.release(), capturing.js.release()]);
      const images = BATCHES * c.batch;
      const plainMs = median(times.get('plain')!);
      perImage[backend] = plainMs / images;
      rows.push(row(`${backend} inference (batch ${c.batch})`, plainMs / images, 'ms/image'));
      for (const mode of ['graph', 'js'] as const) {
        const captureMs = median(times.get(mode)!);
        const ratio = captureMs / plainMs;
        // The target applies to the mode captureActivationStats uses by default on this backend.
        const isDefault = mode === defaultCaptureMode(backend);
        rows.push(row(`${backend} capture ${targets.length} tensors (${prepared[mode].mode})`, captureMs / images, 'ms/image'));
        rows.push(row(`${backend} capture (${prepared[mode].mode}) / inference`, ratio, '×', isDefault ? `≤ ${CAPTURE_TARGET}×` : undefined, isDefault ? ratio <= CAPTURE_TARGET : undefined));
      }
    }
    rows.push(row('wasm / cpu-node', perImage.wasm! / perImage['cpu-node']!, '×'));
  }
  return rows;
}
