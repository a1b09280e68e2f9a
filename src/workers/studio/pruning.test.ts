// The pruning worker calls, run inline on a real torch export (the e2e fixture): groups, scores,
// cost, global control and export, with the exported model run in onnxruntime-node.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../core/onnx/codec';
import { runJob } from '../jobs';
import { exportPruned } from './export';
import { listGroups } from './groups';
import { loadModel } from './load-model';
import { globalPlan, globalRanking, planCost } from './plan';
import { listCriteria, scoreGroups } from './scores';
import { requireLoadedModel } from './loaded-model';
import { storeScores } from './pruning-cache';

const bytes = readFileSync('e2e/fixtures/small-cnn.onnx');
let job = 100;

async function load(): Promise<void> {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const r = await runJob(1, () => loadModel({ jobId: job++, bytes: copy, fileName: 'small-cnn.onnx' }));
  if (!r.ok) throw new Error(r.error.message);
}

describe('pruning worker calls', () => {
  it('lists groups, scores them, costs a plan and exports a smaller model that runs', async () => {
    await load();
    const groups = listGroups();
    const prunable = groups.filter((g) => g.prunable);
    expect(prunable.length).toBeGreaterThan(0);
    expect(groups.filter((g) => !g.prunable).every((g) => g.reason && g.reason.length > 0)).toBe(true);
    expect(listCriteria().map((c) => c.id)).toContain('l1');

    const scores = await scoreGroups({ jobId: job++, criterion: 'l1' });
    for (const g of prunable) expect(scores.scores[g.id]).toHaveLength(g.channels);

    const { ratios } = await globalPlan({ jobId: job++, mode: 'uniform', target: 0.5, locked: {}, roundTo: 1, criterion: 'l1' });
    expect(Object.keys(ratios).sort()).toEqual(prunable.map((g) => g.id).sort());
    const plan = { ratios, roundTo: 1, criterion: 'l1' };
    const cost = await planCost({ jobId: job++, ...plan });
    expect(cost.after.params).toBeLessThan(cost.before.params);
    expect(cost.after.macs!).toBeLessThan(cost.before.macs!);
    const parsed = JSON.parse(cost.planJson) as { format: string; groups: Record<string, { keep: number[] }> };
    expect(parsed.format).toBe('prune-studio-plan');
    for (const g of prunable) expect(cost.keep[g.id]).toHaveLength(Math.round(g.channels / 2));

    const exported = await exportPruned({ jobId: job++, plan, recovery: 'none' });
    expect(exported.bytes.byteLength).toBeLessThan(bytes.byteLength);
    const model = decodeModel(new Uint8Array(exported.bytes), 'pruned.onnx');
    expect(model.graph!.node.length).toBeGreaterThan(0);
    const session = await ort.InferenceSession.create(new Uint8Array(exported.bytes));
    const input = session.inputNames[0]!;
    const dims = [2, 3, 32, 32];
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b) }, (_, i) => Math.sin(i));
    const out = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
    const logits = out[session.outputNames[0]!]!.data as Float32Array;
    expect(logits.length).toBeGreaterThan(0);
    expect(Array.from(logits).every(Number.isFinite)).toBe(true);
  });

  it('ranks by L2 until a data criterion is scored, then by its scores (no stale cached plan)', async () => {
    await load();
    const group = listGroups().find((g) => g.prunable)!;
    const plan = { ratios: { [group.id]: 0.5 }, roundTo: 1, criterion: 'act-l2' };
    const before = await planCost({ jobId: job++, ...plan });
    expect(JSON.parse(before.planJson).criterion).toBe('l2');
    // Pretend the activation scores arrived: the first half of the channels matter most.
    const scores = new Map([[group.id, Float64Array.from({ length: group.channels }, (_, i) => group.channels - i)]]);
    storeScores(requireLoadedModel(), 'act-l2', scores);
    const after = await planCost({ jobId: job++, ...plan });
    expect(JSON.parse(after.planJson).criterion).toBe('act-l2');
    expect(after.keep[group.id]).toEqual(Array.from({ length: group.channels / 2 }, (_, i) => i));
  });

  it('an unknown criterion is an error naming the valid ones, not a silent L2 plan', async () => {
    await load();
    const group = listGroups().find((g) => g.prunable)!;
    const plan = { ratios: { [group.id]: 0.5 }, roundTo: 1, criterion: 'l3' };
    const result = await runJob(job, () => planCost({ jobId: job++, ...plan }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('internal');
    expect(result.error.message).toMatch(/unknown criterion "l3"; choose one of: l1, l2, .*act-l2/);
    const global = await runJob(job, () => globalPlan({ jobId: job++, mode: 'global', target: 0.5, locked: {}, roundTo: 1, criterion: 'l3' }));
    expect(global.ok).toBe(false);
  });

  it('global ranking removes the lowest-scoring share of all channels', () => {
    const r = globalRanking([{ id: 'a', scores: [0.1, 0.2, 3, 4] }, { id: 'b', scores: [0.05, 5, 6, 7] }], 0.375);
    expect(r).toEqual({ a: 0.5, b: 0.25 });
  });
});
