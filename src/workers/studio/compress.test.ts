// The studio's compression jobs on the demo ResNet-8: spectra of the factorisable layers, a global
// target turned into ranks, the sparsity map, and the model validation/export build from a spec
// (ranks chosen per layer and a 2:4 pattern) — factorised exactly where asked, sparse, and runnable.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { lowRankCandidates } from '../../core/compress/lowrank-layers';
import { checkNM } from '../../core/compress/sparsify';
import { buildGraph } from '../../core/graph/ir';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { encodeModel } from '../../core/onnx/codec';
import { runJob } from '../jobs';
import { applyPlanCompress } from '../../core/compress/plan-compress';
import { tensorToFloat32 } from '../../core/onnx/tensor';
import type { ModelProto } from '../../core/onnx/proto';
import { applyPlan, PLAN_METADATA_KEY } from '../../core/prune/apply';
import { parsePlan } from '../../core/prune/plan';
import { layerSpectra, planJson, rankTarget, sparsityMap } from './compress';
import { loadModel } from './load-model';
import { listGroups } from './groups';
import { requireLoadedModel } from './loaded-model';
import { preparePruned } from './prepare-pruned';

const bytes = readFileSync('public/models/fmnist-resnet8.onnx');
const weights = (m: ModelProto) => new Map(m.graph!.initializer.map((t) => [t.name, Array.from(tensorToFloat32(t))]));
let job = 7000;

async function load(): Promise<void> {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(job++, () => loadModel({ jobId: job++, bytes: copy, fileName: 'fmnist-resnet8.onnx' }));
  if (!r.ok) throw new Error(r.error.message);
}

describe('studio compression (demo ResNet-8)', () => {
  it('lists the spectrum of every candidate layer, descending, with progress, and stops when cancelled', async () => {
    await load();
    const seen: number[] = [];
    const spectra = await layerSpectra({ jobId: job++ }, (p) => seen.push(p.fraction));
    const { candidates } = lowRankCandidates(requireLoadedModel().ir);
    expect(spectra.layers.map((l) => l.id)).toEqual(candidates.map((c) => c.id));
    for (const l of spectra.layers) {
      expect(l.sigma).toHaveLength(Math.min(l.out, l.in));
      expect(l.sigma.every((s, i) => i === 0 || s <= l.sigma[i - 1]! + 1e-9)).toBe(true);
    }
    expect(seen.length).toBe(candidates.length);
    expect(spectra.modelMacs).toBe(9345920);
    await load(); // a new model: no cached spectra
    const { cancelJob } = await import('../jobs');
    const id = job++;
    const running = runJob(id, () => layerSpectra({ jobId: id }));
    cancelJob(id);
    expect(await running).toMatchObject({ ok: false, error: { code: 'aborted' } });
  });

  it('turns a MACs target into ranks below break-even, and refuses one that cannot be met', async () => {
    await load();
    const spectra = await layerSpectra({ jobId: job++ });
    const ranks = await rankTarget({ jobId: job++, target: { kind: 'keep-macs', fraction: 0.7 } });
    const saved = spectra.layers.reduce((a, l) => a + (ranks[l.id] ? l.macs - ranks[l.id]! * l.macsPerRank : 0), 0);
    expect(spectra.modelMacs - saved).toBeLessThanOrEqual(0.7 * spectra.modelMacs);
    for (const l of spectra.layers) if (ranks[l.id]) expect(ranks[l.id]).toBeLessThanOrEqual(l.breakEven);
    const r = await runJob(job++, () => rankTarget({ jobId: job, target: { kind: 'keep-macs', fraction: 0.01 } }));
    expect(r).toMatchObject({ ok: false, error: { code: 'refused' } });
  });

  it('maps 2:4 sparsity per layer and output channel (half of each eligible layer), naming the dense ones', async () => {
    await load();
    const map = await sparsityMap({ jobId: job++, pattern: '2:4', sparsity: 0.5, scope: 'global' });
    expect(map.layers.length).toBeGreaterThan(3);
    for (const l of map.layers) {
      expect(l.sparsity).toBeCloseTo(0.5, 1);
      expect(l.perOutput.every((z) => z >= 0.5 - 1e-9)).toBe(true);
    }
    expect(map.dense.some((d) => /multiple of 4/.test(d.reason))).toBe(true);
    const bad = await runJob(job++, () => sparsityMap({ jobId: job, pattern: '3:2', sparsity: 0.5, scope: 'global' }));
    expect(bad).toMatchObject({ ok: false });
  });

  it('builds the validated/exported model from ranks and 2:4: factorised where asked, sparse, runs in onnxruntime-node', async () => {
    await load();
    const loaded = requireLoadedModel();
    const spectra = await layerSpectra({ jobId: job++ });
    const [a, b] = spectra.layers;
    const ranks = { [a!.id]: 1, [b!.id]: b!.breakEven };
    const prepared = await preparePruned(loaded, { jobId: job++, plan: { ratios: {}, roundTo: 1, criterion: 'l1' }, recovery: 'none', compress: { ranks, sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'global' } } });
    expect(prepared.compressNote).toMatch(/low rank: 2 layers factorised.*2:4 sparsity/);
    const names = prepared.model.graph!.node.map((n) => n.name);
    expect(names).toContain(`${a!.id}_lowrank`);
    expect(names).toContain(`${b!.id}_lowrank`);
    expect(names.filter((n) => n.endsWith('_lowrank'))).toHaveLength(2);
    expect(checkNM(prepared.model, 2, 4).filter((l) => l.eligible).every((l) => l.ok)).toBe(true);
    const m = computeMetrics(buildGraph(prepared.model));
    expect(m.macs).toBe(spectra.modelMacs - (a!.macs - a!.macsPerRank) - (b!.macs - b!.breakEven * b!.macsPerRank));
    const session = await ort.InferenceSession.create(encodeModel(prepared.model));
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(28 * 28).fill(0.5), [1, 1, 28, 28]) });
    expect(Array.from(out[session.outputNames[0]!]!.data as Float32Array).every(Number.isFinite)).toBe(true);
    await session.release();
  });

  it('applies ranks after a channel plan too: factorised where the pruned layer still gains, and it runs', async () => {
    await load();
    const loaded = requireLoadedModel();
    const spectra = await layerSpectra({ jobId: job++ });
    const ratios = Object.fromEntries(listGroups().filter((g) => g.prunable).map((g) => [g.id, 0.5]));
    const ranks = Object.fromEntries(spectra.layers.map((l) => [l.id, 2]));
    const prepared = await preparePruned(loaded, { jobId: job++, plan: { ratios, roundTo: 1, criterion: 'l1' }, recovery: 'none', compress: { ranks } });
    const factorised = prepared.model.graph!.node.filter((n) => n.name.endsWith('_lowrank')).length;
    expect(factorised).toBeGreaterThan(2);
    expect(prepared.compressNote).toContain(`low rank: ${factorised} layers factorised`);
    const session = await ort.InferenceSession.create(encodeModel(prepared.model));
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(28 * 28).fill(0.5), [1, 1, 28, 28]) });
    expect(Array.from(out[session.outputNames[0]!]!.data as Float32Array).every(Number.isFinite)).toBe(true);
    await session.release();
  });

  it('Export plan: version 2 with the ranks the pruned model gets and the sparsity; replayed as `prune --plan` does, the same weights', async () => {
    await load();
    const loaded = requireLoadedModel();
    const spectra = await layerSpectra({ jobId: job++ });
    const plan = { ratios: Object.fromEntries(listGroups().filter((g) => g.prunable).map((g) => [g.id, 0.5])), roundTo: 1, criterion: 'l1' };
    // Full ranks: clamped to the pruned widths, then left out (not below break-even); rank 2 stays.
    const ranks = Object.fromEntries(spectra.layers.map((l, i) => [l.id, i === 0 ? 2 : Math.min(l.out, l.in)]));
    const compress = { ranks, sparsity: { pattern: '2:4', sparsity: 0.7, scope: 'global' as const } };
    const text = await planJson({ jobId: job++, ...plan, compress });
    const parsed = parsePlan(JSON.parse(text));
    expect(parsed.version).toBe(2);
    expect(parsed.lowrank).toEqual({ ranks: { [spectra.layers[0]!.id]: 2 } });
    expect(parsed.sparsity).toEqual({ pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' });
    const prepared = await preparePruned(loaded, { jobId: job++, plan, recovery: 'none', compress });
    expect(prepared.plan).toEqual(parsed);
    expect(JSON.parse(prepared.model.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)!.value)).toEqual(parsed);
    const replayed = await applyPlanCompress(applyPlan(loaded.model, parsed), parsed);
    expect(weights(replayed.model)).toEqual(weights(prepared.model));
    // Without compression: the channel plan as before (version 1).
    expect(parsePlan(JSON.parse(await planJson({ jobId: job++, ...plan }))).version).toBe(1);
  });
});
