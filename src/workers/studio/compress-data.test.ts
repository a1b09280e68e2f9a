// The Rank and Sparsity tabs on calibration images, through the worker's own functions on the demo
// models: Taylor sparsity, the sparsity refit, whitened spectra and data-aware low rank with the
// second-factor refit, measured by the calibration KL(original ‖ compressed) on the bundled
// calibration images. The worker decodes images with browser APIs and runs models on WASM; here the
// decoder is the Node one and sessions open on onnxruntime-node (the same core code runs either way).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadImageBatches, nodeModelRunner } from '../../cli/data/score-images';
import { applyPlanCompress } from '../../core/compress/plan-compress';
import { weightTaylorImportance } from '../../core/compress/sparse-importance';
import { inferPreprocess } from '../../core/images/presets';
import type { ModelProto } from '../../core/onnx/proto';
import { tensorToFloat32 } from '../../core/onnx/tensor';
import { applyPlan } from '../../core/prune/apply';
import { parsePlan } from '../../core/prune/plan';
import type { ImageBatch } from '../../core/score/images';
import { listImageFolder } from '../../runtime/node-images';
import { cancelJob, runJob } from '../jobs';
import type { CompressCalibration, CompressSpec } from '../protocol';
import { layerSpectra, planJson, rankTarget, sparsityMap } from './compress';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { preparePruned } from './prepare-pruned';

vi.mock('../../runtime/web-images', async (importOriginal) => (await import('./test-utils/node-runtime')).nodeWebImages(importOriginal));
vi.mock('../../runtime/session', async (importOriginal) => (await import('./test-utils/node-runtime')).nodeSessions(importOriginal));

const CALIBRATION = 'public/samples/calibration';
const entries = listImageFolder(join(process.cwd(), CALIBRATION), 256).entries;
let job = 9000;

async function load(file: string): Promise<ModelProto> {
  const bytes = readFileSync(file);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(job++, () => loadModel({ jobId: job++, bytes: copy, fileName: file.split('/').pop()! }));
  if (!r.ok) throw new Error(r.error.message);
  return requireLoadedModel().model;
}

/** The first 256 bundled calibration images as the page sends them (fresh buffers: the page transfers them). */
function calibration(model: ModelProto): CompressCalibration {
  const dims = model.graph!.input[0]!.type!.tensorType!.shape!.dim.map((d) => (d.dimValue ? Number(d.dimValue) : d.dimParam ?? '?'));
  return {
    images: entries.map((e) => { const b = readFileSync(e.path); return { name: e.path, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer }; }),
    preprocess: { preset: 'unit', ...inferPreprocess(dims) },
  };
}

/** Mean KL(original ‖ compressed) per image of the first output's softmax on `batches`. */
async function kl(original: ModelProto, compressed: ModelProto, batches: readonly ImageBatch[]): Promise<number> {
  const [a, b] = [await nodeModelRunner(original), await nodeModelRunner(compressed)];
  let sum = 0;
  let n = 0;
  const softmax = (row: Float32Array) => {
    const max = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - max));
    const z = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / z);
  };
  for (const batch of batches) {
    const p = Object.values(await a.run(batch.feeds))[0]!;
    const q = Object.values(await b.run(batch.feeds))[0]!;
    const k = p.dims[1]!;
    for (let i = 0; i < p.data.length / k; i++, n++) {
      const pp = softmax(p.data.subarray(i * k, (i + 1) * k));
      const qq = softmax(q.data.subarray(i * k, (i + 1) * k));
      for (let j = 0; j < k; j++) if (pp[j]! > 0) sum += pp[j]! * Math.log(pp[j]! / Math.max(qq[j]!, 1e-12));
    }
  }
  await a.release();
  await b.release();
  return sum / n;
}

const noPlan = { ratios: {}, roundTo: 1, criterion: 'l1' };
const build = async (compress: CompressSpec) => (await preparePruned(requireLoadedModel(), { jobId: job++, plan: noPlan, recovery: 'none', compress })).model;
const weights = (m: ModelProto) => new Map(m.graph!.initializer.map((t) => [t.name, Array.from(tensorToFloat32(t))]));

describe('Taylor sparsity and the sparsity refit in the studio worker', () => {
  it('ResNet-8, 50 % global: Taylor zeroes other weights and lowers the calibration KL; the refit lowers it further', async () => {
    const model = await load('public/models/fmnist-resnet8.onnx');
    const batches = loadImageBatches(model, CALIBRATION, process.cwd(), { limit: 256 }).batches;
    const settings = { pattern: 'unstructured', sparsity: 0.5, scope: 'global' as const };
    const magnitudeMap = await sparsityMap({ jobId: job++, ...settings });
    const progress: string[] = [];
    const taylorMap = await sparsityMap({ jobId: job++, ...settings, criterion: 'taylor', calibration: calibration(model) }, (p) => progress.push(p.stage));
    expect(progress).toEqual(expect.arrayContaining(['decode', 'taylor', 'sparsify']));
    expect(taylorMap.sparsity).toBeCloseTo(magnitudeMap.sparsity, 3);
    expect(taylorMap.layers.map((l) => l.zeros)).not.toEqual(magnitudeMap.layers.map((l) => l.zeros));

    const magnitude = await kl(model, await build({ sparsity: settings }), batches);
    const taylor = await kl(model, await build({ sparsity: { ...settings, criterion: 'taylor' }, calibration: calibration(model) }), batches);
    const refit = await kl(model, await build({ sparsity: { ...settings, criterion: 'taylor', refit: true }, calibration: calibration(model) }), batches);
    console.info(`ResNet-8 50 % global, calibration KL: magnitude ${magnitude.toFixed(4)}, Taylor ${taylor.toFixed(4)}, Taylor + refit ${refit.toFixed(4)}`);
    expect(taylor).toBeLessThan(0.6 * magnitude);
    expect(refit).toBeLessThan(taylor);
  }, 120_000);

  it('VGG: Taylor zeroes other channels than magnitude; at 2:4 the refit lowers the calibration KL and the map reports each layer’s error', async () => {
    const model = await load('public/models/fmnist-vgg.onnx');
    const batches = loadImageBatches(model, CALIBRATION, process.cwd(), { limit: 256 }).batches;
    const settings = { pattern: '2:4', sparsity: 0.5, scope: 'layer' as const };
    // 2:4 zeroes half of every row whatever the criterion; a global cut shows Taylor's other choice per channel.
    const global = { pattern: 'unstructured', sparsity: 0.5, scope: 'global' as const };
    const magnitudeMap = await sparsityMap({ jobId: job++, ...global });
    const globalTaylor = await sparsityMap({ jobId: job++, ...global, criterion: 'taylor', calibration: calibration(model) });
    expect(globalTaylor.layers.flatMap((l) => l.perOutput)).not.toEqual(magnitudeMap.layers.flatMap((l) => l.perOutput));
    const taylorMap = await sparsityMap({ jobId: job++, ...settings, criterion: 'taylor', refit: true, calibration: calibration(model) });
    expect(taylorMap.refits!.filter((r) => r.applied).length).toBeGreaterThan(2);
    for (const r of taylorMap.refits!.filter((x) => x.applied)) expect(r.errorAfter).toBeLessThan(r.errorBefore);
    // The 1568-wide Gemm sees one row per image: 256 are too few to refit it (core's 4 rows per input).
    expect(taylorMap.notRefit!.map((s) => s.node)).toContain('/classifier/classifier.2/Gemm');

    const magnitude = await kl(model, await build({ sparsity: settings }), batches);
    const taylor = await kl(model, await build({ sparsity: { ...settings, criterion: 'taylor' }, calibration: calibration(model) }), batches);
    const refit = await kl(model, await build({ sparsity: { ...settings, criterion: 'taylor', refit: true }, calibration: calibration(model) }), batches);
    // Measured: on this VGG Taylor does not beat magnitude (as in docs/compress.md's accuracy table); the refit recovers most of it.
    console.info(`VGG 2:4, calibration KL: magnitude ${magnitude.toFixed(4)}, Taylor ${taylor.toFixed(4)}, Taylor + refit ${refit.toFixed(4)}`);
    expect(refit).toBeLessThan(0.5 * taylor);
  }, 120_000);

  it('Export plan records criterion "taylor"; replayed as `prune --plan --images` does on the same images, the same weights', async () => {
    const model = await load('public/models/fmnist-resnet8.onnx');
    const sparsity = { pattern: 'unstructured', sparsity: 0.6, scope: 'global' as const, criterion: 'taylor' as const };
    const text = await planJson({ jobId: job++, ...noPlan, compress: { sparsity: { ...sparsity, refit: true }, calibration: calibration(model) } });
    const plan = parsePlan(JSON.parse(text));
    expect(plan.sparsity).toEqual({ pattern: 'unstructured', sparsity: 0.6, scope: 'global', criterion: 'taylor' });
    expect(text).not.toMatch(/refit|whiten/);
    const studio = await build({ sparsity, calibration: calibration(model) });
    // cli/data/taylor-importance.ts: the folder's images in its order, batches of 8.
    const batches = loadImageBatches(model, CALIBRATION, process.cwd(), { limit: 256, batchSize: 8 }).batches;
    const replayed = await applyPlanCompress(applyPlan(model, plan), plan, {
      importance: (m, w) => weightTaylorImportance(m, w, { runner: nodeModelRunner, batches }, m.graph!.output.map((o) => o.name)),
    });
    expect(weights(replayed.model)).toEqual(weights(studio));
  }, 120_000);

  it('without images the data options are refused saying where to choose them; a Taylor map can be cancelled', async () => {
    const model = await load('public/models/fmnist-resnet8.onnx');
    const refused = await runJob(job, () => sparsityMap({ jobId: job, pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'taylor' }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'refused', message: expect.stringMatching(/Taylor sparsity needs calibration images/), hint: expect.stringMatching(/Validate tab/) } });
    const lowrank = await runJob(job, () => layerSpectra({ jobId: job, dataAware: true }));
    expect(lowrank).toMatchObject({ ok: false, error: { code: 'refused', hint: expect.stringMatching(/Validate tab/) } });
    const id = job++;
    const running = runJob(id, () => sparsityMap({ jobId: id, pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'taylor', calibration: calibration(model) }));
    cancelJob(id);
    expect(await running).toMatchObject({ ok: false, error: { code: 'aborted' } });
  }, 60_000);
});

describe('data-aware low rank in the studio worker (VGG demo)', () => {
  it('whitened spectra rank a MACs target; data-aware ranks + refit beat plain SVD at the same ranks', async () => {
    const model = await load('public/models/fmnist-vgg.onnx');
    const batches = loadImageBatches(model, CALIBRATION, process.cwd(), { limit: 256 }).batches;
    const plain = await layerSpectra({ jobId: job++ });
    const whitened = await layerSpectra({ jobId: job++, dataAware: true, calibration: calibration(model) });
    expect(whitened.dataAware).toBe(true);
    expect(whitened.layers.map((l) => l.id)).toEqual(plain.layers.map((l) => l.id));
    expect(whitened.layers[0]!.sigma).not.toEqual(plain.layers[0]!.sigma);
    const target = { kind: 'keep-macs' as const, fraction: 0.5 };
    const dataRanks = await rankTarget({ jobId: job++, target, dataAware: true, calibration: calibration(model) });
    const saved = whitened.layers.reduce((a, l) => a + (dataRanks[l.id] ? l.macs - dataRanks[l.id]! * l.macsPerRank : 0), 0);
    expect(whitened.modelMacs - saved).toBeLessThanOrEqual(0.5 * whitened.modelMacs);

    const ranks = await rankTarget({ jobId: job++, target });
    const svd = await kl(model, await build({ ranks }), batches);
    const aware = await kl(model, await build({ ranks, dataAware: true, calibration: calibration(model) }), batches);
    const refit = await kl(model, await build({ ranks, dataAware: true, refitFactors: true, calibration: calibration(model) }), batches);
    const awareRanks = await kl(model, await build({ ranks: dataRanks, dataAware: true, refitFactors: true, calibration: calibration(model) }), batches);
    console.info(`VGG keep-macs 0.5, calibration KL: plain SVD ${svd.toFixed(4)}, data-aware ${aware.toFixed(4)}, + refit ${refit.toFixed(4)}; whitened-spectra ranks + refit ${awareRanks.toFixed(4)}`);
    expect(aware).toBeLessThan(0.2 * svd);
    expect(refit).toBeLessThan(aware);
    expect(awareRanks).toBeLessThan(0.2 * svd);
    // The plan keeps the ranks and says nothing of the whitening or the refit.
    const plan = parsePlan(JSON.parse(await planJson({ jobId: job++, ...noPlan, compress: { ranks, dataAware: true, refitFactors: true } })));
    expect(plan.lowrank).toEqual({ ranks });
  }, 180_000);
});
