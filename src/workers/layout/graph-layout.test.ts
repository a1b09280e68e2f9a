import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../core/graph/ir';
import { inferShapes } from '../../core/graph/shapes';
import { decodeModel } from '../../core/onnx/codec';
import type { EdgeSummary, LayoutNodeInput } from '../protocol';
import { summariseModel } from '../studio/summarise';
import { buildDisplayGraph } from './compact';
import { layoutNodesFromSummary } from './from-summary';
import { layoutGraph } from './graph-layout';

function smallCnn() {
  const model = decodeModel(new Uint8Array(readFileSync('e2e/fixtures/small-cnn.onnx')), 'small-cnn.onnx');
  const ir = buildGraph(model);
  return summariseModel(ir, inferShapes(ir), { fileName: 'small-cnn.onnx', modelHash: '', fileBytes: 0, externalDataFiles: [] });
}

const node = (id: string, opType: string, family: LayoutNodeInput['family'], channelTransparent = false): LayoutNodeInput => ({
  id, opType, family, label: opType, channelTransparent,
});
const edge = (from: string, to: string): EdgeSummary => ({ from, to, tensor: `${from}>${to}` });

describe('compact display graph', () => {
  it('folds BN and ReLU into the conv that feeds them alone, and hides constants', () => {
    const nodes = [
      node('in', 'io', 'io'), node('k', 'Constant', 'constant'), node('conv', 'Conv', 'conv'),
      node('bn', 'BatchNormalization', 'norm', true), node('relu', 'Relu', 'activation', true), node('out', 'io', 'io'),
    ];
    const edges = [edge('in', 'conv'), edge('k', 'conv'), edge('conv', 'bn'), edge('bn', 'relu'), edge('relu', 'out')];
    const g = buildDisplayGraph(nodes, edges, true);
    expect(g.nodes.map((n) => n.id)).toEqual(['in', 'conv', 'out']);
    expect(g.nodes[1]).toMatchObject({ label: 'Conv · BN · Relu', members: ['conv', 'bn', 'relu'] });
    expect(g.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['in>conv', 'conv>out']);
    expect(g.displayOf.get('relu')).toBe('conv');
    expect(g.displayOf.has('k')).toBe(false);
  });

  it('does not fold across a fork: a producer with two consumers keeps its own box', () => {
    const nodes = [node('in', 'io', 'io'), node('conv', 'Conv', 'conv'), node('relu', 'Relu', 'activation', true), node('add', 'Add', 'elementwise')];
    const g = buildDisplayGraph(nodes, [edge('in', 'conv'), edge('conv', 'relu'), edge('conv', 'add'), edge('relu', 'add')], true);
    expect(g.nodes.map((n) => n.id)).toEqual(['in', 'conv', 'relu', 'add']);
  });

  it('keeps every node when compact is off', () => {
    const nodes = [node('conv', 'Conv', 'conv'), node('relu', 'Relu', 'activation', true)];
    expect(buildDisplayGraph(nodes, [edge('conv', 'relu')], false).nodes).toHaveLength(2);
  });
});

describe('layoutGraph on a real export', () => {
  it('places every box top to bottom along the edges, with edge routes', () => {
    const summary = smallCnn();
    const result = layoutGraph({ nodes: layoutNodesFromSummary(summary), edges: summary.edges, compact: false });
    expect(result.nodes).toHaveLength(summary.nodes.length + 2);
    const pos = new Map(result.nodes.map((n) => [n.id, n]));
    for (const e of result.edges) {
      expect(pos.get(e.to)!.y).toBeGreaterThan(pos.get(e.from)!.y);
      expect(e.points.length).toBeGreaterThanOrEqual(2);
    }
    expect(pos.get('input:image')!.y).toBeLessThan(pos.get('output:logits')!.y);
    expect(result.width).toBeGreaterThan(0);
  });

  it('compact mode folds conv-relu pairs of the export', () => {
    const summary = smallCnn();
    const full = layoutGraph({ nodes: layoutNodesFromSummary(summary), edges: summary.edges, compact: false });
    const compact = layoutGraph({ nodes: layoutNodesFromSummary(summary), edges: summary.edges, compact: true });
    expect(compact.nodes.length).toBeLessThan(full.nodes.length);
    expect(compact.displayOf['/stem/stem.2/Relu']).toBe('/stem/stem.0/Conv');
    // torch's Identity nodes over shared initializers carry no data: hidden.
    expect(compact.displayOf['Identity_0']).toBeUndefined();
  });
});
