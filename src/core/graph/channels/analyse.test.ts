// Channel groups on real exporter fixtures and small edge-case graphs: who is tied to whom, which
// constants are members, and why something is a barrier.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../onnx/codec.js';
import { buildGraph } from '../ir.js';
import { analyseChannels, type ChannelAnalysis } from './analyse.js';
import type { ChannelGroup } from './types.js';

const DIR = new URL('../../../../tools/fixtures/models/', import.meta.url);
const analyse = (file: string): ChannelAnalysis => analyseChannels(buildGraph(decodeModel(readFileSync(new URL(file, DIR)), file)));
const roles = (g: ChannelGroup) => g.members.map((m) => m.role);
const groupWith = (a: ChannelAnalysis, pred: (g: ChannelGroup) => boolean) => a.groups.filter(pred);

describe('analyseChannels on edge-case graphs', () => {
  it('slices [C,1,1] and [1,C,1,1] constants and PRelu slopes, but not a 1-D constant broadcast on W', () => {
    expect(roles(analyse('edge-per-channel-constants.onnx').groups[0]!)).toEqual(expect.arrayContaining(['Mul.input1 (per-channel constant)', 'Add.input1 (per-channel constant)']));
    expect(roles(analyse('edge-prelu.onnx').groups[0]!)).toContain('PRelu.input1 (per-channel constant)');
    const broadcast = analyse('edge-broadcast-last-axis.onnx').groups[0]!;
    expect(broadcast.prunable).toBe(true);
    expect(roles(broadcast).some((r) => r.startsWith('Add'))).toBe(false);
  });

  it('lays out Concat inputs at offsets and keeps a 1-channel conv an ordinary conv', () => {
    const concat = analyse('edge-concat.onnx');
    expect(concat.groups.find((g) => g.id === 'Conv_conv_b')!.members).toContainEqual({ node: 'Conv_output', role: 'Conv.weight[in] offset 4' });
    const single = analyse('edge-single-channel.onnx').groups[0]!;
    expect(single.channels).toBe(1);
    expect(roles(single)).not.toContain('Conv.group');
  });

  it('follows Transpose into a channels-last MatMul (weight rows)', () => {
    expect(analyse('edge-nhwc-matmul.onnx').groups[0]!.members).toContainEqual({ node: 'MatMul_output', role: 'MatMul.weight[in]' });
  });

  it('makes unknown ops, grouped convs and GroupNorm barriers with reasons', () => {
    const custom = analyse('edge-custom-op.onnx');
    expect(custom.groups.every((g) => !g.prunable)).toBe(true);
    expect(custom.groups[0]!.barriers.join()).toContain('unsupported op com.example.CustomFoo');
    expect(analyse('edge-grouped-conv.onnx').groups[0]!.barriers.join()).toContain('grouped convolution (group=2)');
    expect(analyse('edge-groupnorm-opset21.onnx').groups[0]!.prunable).toBe(false);
  });
});

describe('analyseChannels on exporter fixtures', () => {
  it('ties residual Adds in ResNet and never prunes the classifier', () => {
    const a = analyse('resnet-bottleneck-bn.onnx');
    const residual = groupWith(a, (g) => g.members.filter((m) => m.role === 'Conv.weight[out]').length >= 2);
    expect(residual.length).toBeGreaterThan(0);
    expect(residual.every((g) => roles(g).includes('BatchNormalization.scale'))).toBe(true);
    const last = a.groups[a.groups.length - 1]!;
    expect(last.prunable).toBe(false);
    expect(last.barriers.join()).toContain('model output');
  });

  it('ties depthwise convs to their input and keeps the SE bottleneck its own group (MobileNetV3)', () => {
    const a = analyse('mobilenet-v3-small.onnx');
    const dw = groupWith(a, (g) => roles(g).includes('Conv.group'));
    expect(dw.length).toBeGreaterThan(0);
    for (const g of dw) expect(roles(g)).toContain('Conv.weight[depthwise]');
    // The SE squeeze conv's outputs only feed the excite conv: a group with one producer and one consumer weight.
    const se = groupWith(a, (g) => g.prunable && roles(g).filter((r) => r === 'Conv.weight[out]').length === 1 && !roles(g).includes('Conv.group') && g.members.length <= 4);
    expect(se.length).toBeGreaterThan(0);
  });

  it('gives Flatten→Gemm blocks of H·W features (VGG)', () => {
    const a = analyse('vgg-flatten.onnx');
    expect(a.groups.some((g) => roles(g).includes('Gemm.weight[in] block 16'))).toBe(true);
  });

  it('lays out DenseNet concatenations as offsets into consumer weights', () => {
    const a = analyse('densenet.onnx');
    expect(a.groups.some((g) => roles(g).some((r) => /Conv\.weight\[in\] offset [1-9]/.test(r)))).toBe(true);
    expect(a.groups.filter((g) => g.prunable).length).toBeGreaterThan(10);
  });

  it('marks ConvNeXt LayerNorm groups as normalised over channels and its MLP as prunable', () => {
    const a = analyse('convnext.onnx');
    const ln = groupWith(a, (g) => roles(g).includes('LayerNormalization.scale'));
    expect(ln.length).toBeGreaterThan(0);
    expect(ln.every((g) => g.channelStatistics)).toBe(true);
    expect(a.groups.some((g) => g.prunable && !g.channelStatistics && roles(g).includes('MatMul.weight[out]'))).toBe(true);
  });

  it('explains ShuffleNet channel shuffles and GroupNorm reshapes', () => {
    expect(analyse('shufflenet-v2.onnx').groups.flatMap((g) => g.barriers).join()).toContain('Reshape mixes channels (channel shuffle)');
    expect(analyse('groupnorm.onnx').groups.flatMap((g) => g.barriers).join()).toContain('GroupNorm reshape');
  });

  it('with groupedConvolutions, makes grouped convs prunable in equal blocks (ResNeXt, RegNet)', () => {
    for (const file of ['resnext.onnx', 'regnet-y.onnx']) {
      const model = decodeModel(readFileSync(new URL(file, DIR)), file);
      const off = analyseChannels(buildGraph(model));
      const on = analyseChannels(buildGraph(model), undefined, { groupedConvolutions: true });
      expect(on.groups.map((g) => g.id)).toEqual(off.groups.map((g) => g.id));
      const grouped = on.groups.filter((g) => g.blocks > 1);
      expect(grouped.length).toBeGreaterThan(0);
      expect(grouped.every((g) => g.prunable && g.channels % g.blocks === 0)).toBe(true);
      expect(grouped.every((g) => !off.groups.find((o) => o.id === g.id)!.prunable)).toBe(true);
    }
  });

  it('names groups after their first producer in topological order', () => {
    const a = analyse('resnet-basic-fused.onnx');
    const ids = a.groups.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe(a.ir.nodeId.get(a.ir.nodes.find((n) => n.opType === 'Conv')!));
  });
});
