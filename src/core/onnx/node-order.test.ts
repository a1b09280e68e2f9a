// Nodes out of topological order, as fp16 converters write them (the Casts they insert come last in
// the file), are put in order on load: onnxruntime runs such files, so the studio must open them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { validateModel } from '../graph/validate.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { decodeModel, encodeModel } from './codec.js';
import { restoreTopologicalOrder } from './node-order.js';
import type { GraphProto, ModelProto, NodeProto } from './proto.js';

const names = (nodes: readonly NodeProto[]) => nodes.map((n) => n.output[0]);
const chain = () =>
  new GraphBuilder(13).input('x', [1, 4]).node('Relu', ['x'], ['a']).node('Neg', ['a'], ['b']).node('Abs', ['b'], ['c']).output('c').build();

describe('restoreTopologicalOrder', () => {
  it('leaves an ordered graph as it is (same array)', () => {
    const m = chain();
    const before = m.graph!.node;
    expect(restoreTopologicalOrder(m.graph as GraphProto)).toBe(0);
    expect(m.graph!.node).toBe(before);
  });

  it('moves each node after its producers and keeps the file order elsewhere', () => {
    const m = chain();
    m.graph!.node.reverse();
    expect(restoreTopologicalOrder(m.graph as GraphProto)).toBe(2);
    expect(names(m.graph!.node)).toEqual(['a', 'b', 'c']);
    expect(validateModel(m).errors).toEqual([]);
  });

  it('leaves a cycle for the validator to name', () => {
    const m = new GraphBuilder(13).input('x', [1, 4]).node('Add', ['x', 'b'], ['a']).node('Relu', ['a'], ['b']).output('b').build();
    m.graph!.node.reverse();
    expect(restoreTopologicalOrder(m.graph as GraphProto)).toBe(0);
    expect(names(m.graph!.node)).toEqual(['b', 'a']);
    expect(validateModel(m).errors.map((e) => e.message).join()).toContain('cycle');
  });

  it('orders a subgraph, where names from the outer graph count as available', () => {
    const body = chain().graph!;
    body.node = [...body.node].reverse();
    body.node[0]!.input[0] = 'x'; // Abs now reads the outer x: still ordered after reordering
    const m = chain();
    m.graph!.node[1]!.attribute = [{ name: 'body', type: 5, g: body } as never];
    restoreTopologicalOrder(m.graph as GraphProto);
    expect(names(body.node)).toEqual(['c', 'a', 'b']);
  });

  it('opens an fp16 model whose Casts come last (onnxconverter-common) with the groups of the ordered one', () => {
    const bytes = readFileSync('tools/fixtures/models/rsu-fp16.onnx');
    const ordered = decodeModel(bytes, 'rsu-fp16.onnx');
    // What convert_float_to_float16 writes: the Casts it inserts are appended after the other nodes.
    const shuffled = structuredClone(ordered) as ModelProto;
    const nodes = shuffled.graph!.node;
    shuffled.graph!.node = [...nodes.filter((n) => n.opType !== 'Cast'), ...nodes.filter((n) => n.opType === 'Cast')];
    expect(validateModel(shuffled).errors.length).toBeGreaterThan(0);
    const reopened = decodeModel(encodeModel(shuffled), 'converted.onnx');
    expect(validateModel(reopened).errors).toEqual([]);
    const groups = (m: ModelProto) => analyseChannels(buildGraph(m)).groups.map((g) => [g.id, g.channels, g.prunable]);
    expect(groups(reopened)).toEqual(groups(ordered));
  });
});
