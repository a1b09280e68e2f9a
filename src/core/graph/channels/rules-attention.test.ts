// Attention heads in the channel analysis: torch exports (MultiheadAttention through torchvision's
// ViT and nn.TransformerEncoder) and hand-written attention graphs, plus every link that must stay a
// barrier when it breaks (untied packed pieces, a per-head constant, heads read by a layer).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../onnx/codec.js';
import { buildGraph } from '../ir.js';
import { analyseChannels } from './analyse.js';
import { analyse, groupOf, memberRoles } from './test-utils/tiny-graphs.js';
import { attentionGraph } from './test-utils/attention-graphs.js';

const fixture = (name: string) => analyseChannels(buildGraph(decodeModel(readFileSync(`tools/fixtures/models/${name}.onnx`), name)));

describe('heads in torch exports (nn.MultiheadAttention)', () => {
  it.each([['vit-tiny', 3], ['transformer-encoder', 2]] as const)('%s: one prunable group of 4 heads × 8 per block, Q/K/V tied, out_proj columns and computed reshape entries as members', (name, blocks) => {
    const a = fixture(name);
    const heads = a.groups.filter((g) => g.unit > 1);
    expect(heads).toHaveLength(blocks);
    for (const g of heads) {
      expect(g).toMatchObject({ prunable: true, unit: 8, channels: 32 });
      expect(g.spaces).toHaveLength(3); // the Q, K and V pieces of the packed projection
      const roles = g.members.map((m) => m.role);
      expect(roles.some((r) => r.startsWith('Gemm.weight[in]'))).toBe(true);
      // Q, K and V reshapes to [T, B·h, d] and the merge back to [T·B, E]: computed entries replaced.
      expect(roles.filter((r) => r.startsWith('Concat.input'))).toHaveLength(4);
    }
    // The MLP hidden layers stay prunable, channel by channel, and so does the embedding width.
    expect(a.groups.filter((g) => g.prunable && g.unit === 1)).toHaveLength(blocks + 1);
  });
});

describe('hand-written attention ([B, T, h, d] + Transpose)', () => {
  it('ties the heads of Q, K and V with the output projection rows, in units of head_dim', () => {
    const a = analyse(attentionGraph());
    const g = groupOf(a, 'q');
    expect(g).toMatchObject({ prunable: true, unit: 4, channels: 12 });
    expect(groupOf(a, 'k')).toBe(g);
    expect(groupOf(a, 'v')).toBe(g);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['y: MatMul.weight[in]', 'q4: Reshape.shape[2] (heads)', 'ctx: Reshape.shape[2] (channels)']));
  });

  it('cuts a packed projection sliced by chunk bounds into three tied pieces', () => {
    const a = analyse(attentionGraph({ packed: true }));
    const g = groupOf(a, 'qkv_mm');
    expect(g).toMatchObject({ prunable: true, unit: 4, channels: 12 });
    expect(g.spaces).toHaveLength(3);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['qkv_mm: MatMul.weight[out] offset 0', 'qkv: Add.input1 (per-channel constant) offset 0']));
  });

  it('makes the packed pieces barriers when attention does not tie all three', () => {
    const a = analyse(attentionGraph({ packed: true, vBypass: true }));
    const g = groupOf(a, 'qkv_mm');
    expect(g.prunable).toBe(false);
    expect(g.barriers.join('\n')).toContain('need its 3 pieces pruned alike');
  });

  it('slices a per-head constant on the scores by heads, and refuses heads read as features by a layer', () => {
    const bias = analyse(attentionGraph({ perHeadBias: true }));
    expect(groupOf(bias, 'q').prunable).toBe(true);
    expect(memberRoles(groupOf(bias, 'q'))).toContain('scores_b: Add.input1 (per-head constant)');
    const b = attentionGraph();
    b.weight('g', [4]).weight('beta', [4]).node('LayerNormalization', ['q4', 'g', 'beta'], ['q4n'], { axis: -1 }).output('q4n');
    expect(groupOf(analyse(b), 'q').barriers.join('\n')).toContain('LayerNormalization does not follow attention heads');
  });

  it('refuses Slice bounds computed from the width when they are not a chunk of it', () => {
    const b = attentionGraph({ packed: true });
    // A fourth slice [w/3 + 1, w/3 + 2): computed from the width, but not an equal piece.
    b.ints('one', [1]).node('Add', ['chunk', 'one'], ['s4']).node('Add', ['s4', 'one'], ['e4']).node('Slice', ['qkv', 's4', 'e4', 'last'], ['odd']).output('odd');
    const g = groupOf(analyse(b), 'qkv_mm');
    expect(g.prunable).toBe(false);
  });
});
