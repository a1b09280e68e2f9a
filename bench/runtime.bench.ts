// Runtime speed: ms/image on onnxruntime-node vs onnxruntime-web's WASM build (in Node), and the
// overhead of activation statistics (what the act-l2 / mean-abs / APoZ criteria compute: the group
// feature maps as extra outputs, folded per channel in JS) over plain inference. Both go through
// core's production path (forwardOutputs / activationSummaries with a ModelRunner).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { activationSummaries, forwardOutputs } from '../src/core/score/criteria-data.js';
import { groupTensors, type GroupTensor } from '../src/core/score/group-tensors.js';
import type { ImageBatch } from '../src/core/score/images.js';
import type { ModelRunner } from '../src/core/score/runner.js';
import { modelInput } from '../src/runtime/evaluate.js';
import { createSession, type BackendName, type InferenceSession } from '../src/runtime/session.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'runtime';
const STATS_TARGET = 1.3;
const BATCHES = 4;
const ROUNDS = 9;
const WARMUP_ROUNDS = 2;

interface Case {
  name: string;
  bytes: Uint8Array;
  batch: number;
}

/** The feature maps the activation criteria score: every prunable group's tensors, once each. */
function statisticsTargets(model: ModelProto): GroupTensor[] {
  const analysis = analyseChannels(buildGraph(model));
  const byName = new Map(analysis.groups.filter((g) => g.prunable).flatMap((g) => groupTensors(analysis, g)).map((t) => [t.name, t]));
  return [...byName.values()];
}

function randomBatches(name: string, shape: (number | string)[], batch: number): ImageBatch[] {
  const dims = shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 224));
  const size = dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: BATCHES }, (_, b) => ({ feeds: { [name]: { dims, data: Float32Array.from({ length: size }, (_, i) => Math.abs(Math.sin(i * 0.37 + b))) } } }));
}

/**
 * A runner that opens each distinct model (told apart by its graph outputs: the exposed copies differ
 * only there) once and keeps it open, so the rounds time runs rather than session creation.
 */
function cachingRunner(backend: BackendName): { runner: ModelRunner; releaseAll(): Promise<void> } {
  const open = new Map<string, Promise<InferenceSession>>();
  const runner: ModelRunner = async (model) => {
    const key = model.graph!.output.map((o) => o.name).join('\n');
    let session = open.get(key);
    if (!session) open.set(key, (session = createSession(encodeModel(model), { backend }).then((s) => s.session)));
    return { ...(await session), release: async () => {} };
  };
  const releaseAll = async () => {
    await Promise.all([...open.values()].map(async (s) => (await s).release()));
  };
  return { runner, releaseAll };
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
    const batches = randomBatches(input.name, input.shape, c.batch);
    const targets = statisticsTargets(model);
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean): BenchRow => ({
      suite: SUITE, case: c.name, metric, value, unit, ...(target ? { target, pass } : {}),
    });
    const perImage: Record<string, number> = {};
    for (const backend of ['cpu-node', 'wasm'] as const) {
      // Plain inference and statistics are timed in turn within each round, so load from other
      // processes on a shared machine drifts into both alike; medians over the rounds.
      const { runner, releaseAll } = cachingRunner(backend);
      const opts = { runner, batches };
      const contenders: [string, () => Promise<unknown>][] = [
        ['plain', () => forwardOutputs(model, opts)],
        ['stats', () => activationSummaries(model, targets, opts)],
      ];
      const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
      for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        for (const [name, fn] of contenders) {
          const t0 = performance.now();
          await fn();
          if (round >= 0) times.get(name)!.push(performance.now() - t0);
        }
      }
      await releaseAll();
      const images = BATCHES * c.batch;
      const plainMs = median(times.get('plain')!);
      const statsMs = median(times.get('stats')!);
      const ratio = statsMs / plainMs;
      perImage[backend] = plainMs / images;
      rows.push(row(`${backend} inference (batch ${c.batch})`, plainMs / images, 'ms/image'));
      rows.push(row(`${backend} activation statistics of ${targets.length} tensors`, statsMs / images, 'ms/image'));
      rows.push(row(`${backend} statistics / inference`, ratio, '×', `≤ ${STATS_TARGET}×`, ratio <= STATS_TARGET));
    }
    rows.push(row('wasm / cpu-node', perImage.wasm! / perImage['cpu-node']!, '×'));
  }
  return rows;
}
