// constantThroughIdentity: the one look-through-Identity constant lookup of the engine.
import { describe, expect, it } from 'vitest';
import { onnx, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { makeTensor } from '../onnx/tensor.js';
import { makeNode } from '../score/graph-builder.js';
import { buildGraph, constantThroughIdentity } from './ir.js';

function model(nodes: ReturnType<typeof makeNode>[]): ModelProto {
  const graph = onnx.GraphProto.create({ node: nodes, initializer: [makeTensor('w', [2], TensorDataType.FLOAT, [1, 2])] });
  return onnx.ModelProto.create({ graph }) as unknown as ModelProto;
}

describe('constantThroughIdentity', () => {
  it('follows any number of Identity nodes to the constant and names where it lives', () => {
    const chain = Array.from({ length: 12 }, (_, i) => makeNode('Identity', [i === 0 ? 'w' : `t${i - 1}`], [`t${i}`], `id${i}`));
    const found = constantThroughIdentity(buildGraph(model(chain)), 't11');
    expect(found?.name).toBe('w');
    expect(found?.tensor.dims.map(Number)).toEqual([2]);
    expect(constantThroughIdentity(buildGraph(model(chain)), 'w')?.name).toBe('w');
  });

  it('stops at any other producer, at a missing name and on an Identity cycle', () => {
    const ir = buildGraph(model([
      makeNode('Relu', ['w'], ['r'], 'relu'),
      makeNode('Identity', ['r'], ['i'], 'id'),
      makeNode('Identity', ['b'], ['a'], 'ab'),
      makeNode('Identity', ['a'], ['b'], 'ba'),
    ]));
    expect(constantThroughIdentity(ir, 'i')).toBeUndefined();
    expect(constantThroughIdentity(ir, undefined)).toBeUndefined();
    expect(constantThroughIdentity(ir, 'nowhere')).toBeUndefined();
    expect(constantThroughIdentity(ir, 'a')).toBeUndefined();
  });
});
