import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GroupSummary, ModelSummary } from '../../workers/protocol';
import { runJob } from '../../workers/jobs';
import { listGroups } from '../../workers/studio/groups';
import { loadModel } from '../../workers/studio/load-model';
import { planCost } from '../../workers/studio/plan';
import { architectureData, shortLayerName } from './architecture-data';

// conv1 (8 ch) → relu → conv2 (4 ch) → concat → gemm (10 classes: a barrier); attention-like
// matmul whose output the analysis does not track.
const groups: GroupSummary[] = [
  { id: 'conv1', label: 'conv1', channels: 8, members: ['conv1', 'relu', 'conv2'], prunable: true, tensors: [{ tensor: 'c1', start: 0, length: 8 }, { tensor: 'r1', start: 0, length: 8 }] },
  { id: 'conv2', label: 'conv2', channels: 4, members: ['conv2', 'gemm'], prunable: true, tensors: [{ tensor: 'c2', start: 0, length: 4 }] },
  { id: 'gemm', label: 'gemm', channels: 10, members: ['gemm'], prunable: false, reason: 'model output (class channels): logits', tensors: [{ tensor: 'logits', start: 0, length: 10 }] },
];
const node = (id: string, opType: string, output: string, macs?: number) => ({ id, name: id, opType, outputs: [output], macs });
const summary = {
  nodes: [node('conv1', 'Conv', 'c1', 800), node('relu', 'Relu', 'r1', 0), node('conv2', 'Conv', 'c2', 1600), node('gemm', 'Gemm', 'logits', 40), node('mm', 'MatMul', 'att')],
} as unknown as ModelSummary;

describe('architectureData', () => {
  it('lists the MAC layers in graph order with channels and MACs before → after, and their groups', () => {
    const data = architectureData(summary, groups, {
      keep: { conv1: [0, 2, 4, 6], conv2: [1, 3, 0] },
      layers: [{ node: 'conv1', macs: 400 }, { node: 'conv2', macs: 600 }, { node: 'gemm', macs: 30 }, { node: 'mm' }],
    });
    expect(data.layers.map((l) => [l.index, l.node, l.channelsBefore, l.channelsAfter, l.macsBefore, l.macsAfter])).toEqual([
      [1, 'conv1', 8, 4, 800, 400],
      [2, 'conv2', 4, 3, 1600, 600],
      [3, 'gemm', 10, 10, 40, 30],
      [4, 'mm', undefined, undefined, undefined, undefined],
    ]);
    expect(data.layers[0]).toMatchObject({ group: 'conv1', prunable: true, opType: 'Conv' });
    expect(data.layers[2]).toMatchObject({ group: 'gemm', prunable: false, barrier: 'model output (class channels): logits' });
    expect(data.layers[3]).toMatchObject({ prunable: false });
    expect(data.layers[3]!.group).toBeUndefined();
    expect(data.hasPlan).toBe(true);
    expect(data.totals).toEqual({ channelsBefore: 22, channelsAfter: 17, macsBefore: 2440, macsAfter: 1030 });
  });

  it('without a plan every layer keeps its channels; without layer costs there is nothing to draw', () => {
    const data = architectureData(summary, groups, { keep: {}, layers: [{ node: 'conv1', macs: 800 }] });
    expect(data.hasPlan).toBe(false);
    expect(data.layers[0]).toMatchObject({ channelsBefore: 8, channelsAfter: 8 });
    expect(architectureData(summary, groups, { keep: {} }).layers).toEqual([]);
  });

  it('on a real model (the studio worker on small-cnn.onnx): halving every group halves each prunable layer, and the layers add up to the cost table', async () => {
    const bytes = readFileSync('e2e/fixtures/small-cnn.onnx');
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const r = await runJob(1, () => loadModel({ jobId: 900, bytes: copy, fileName: 'small-cnn.onnx' }));
    if (!r.ok) throw new Error(r.error.message);
    const real = listGroups();
    const ratios = Object.fromEntries(real.filter((g) => g.prunable).map((g) => [g.id, 0.5]));
    const cost = await planCost({ jobId: 901, ratios, roundTo: 1, criterion: 'l1' });
    const data = architectureData(r.value, real, cost);
    expect(data.layers.length).toBe(r.value.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType)).length);
    for (const l of data.layers.filter((x) => x.prunable)) expect(l.channelsAfter, l.name).toBe(Math.round(l.channelsBefore! / 2));
    expect(data.layers.some((l) => !l.prunable)).toBe(true); // the classifier
    expect(data.totals.macsBefore).toBe(cost.before.macs);
    expect(data.totals.macsAfter).toBe(cost.after.macs);
  });
});

describe('shortLayerName', () => {
  it('folds torch repeats, drops the op tail and keeps the last two levels', () => {
    expect(shortLayerName('/stages/stages.1/conv1/conv1.0/Conv', 'Conv')).toBe('stages.1/conv1.0');
    expect(shortLayerName('/stem/stem.0/Conv', 'Conv')).toBe('stem.0');
    expect(shortLayerName('/fc/Gemm', 'Gemm')).toBe('fc');
    expect(shortLayerName('conv_7', 'Conv')).toBe('conv_7');
  });
});
