// Which tensor shows a group's channels: the producer's output followed through per-channel ops.
import { describe, expect, it } from 'vitest';
import { analyse, conv, groupOf, withInput } from '../graph/channels/test-utils/tiny-graphs.js';
import { groupTensors } from './group-tensors.js';

const representative = (build: (b: ReturnType<typeof withInput>) => void, producer = 'c1'): string[] => {
  const b = withInput(3);
  build(b);
  const a = analyse(b);
  return groupTensors(a, groupOf(a, producer)).map((t) => t.name);
};

describe('groupTensors', () => {
  it('follows a Sigmoid to the tensor the next conv reads (Conv → Sigmoid → Conv)', () => {
    const names = representative((b) => conv(conv(b, 'x', 'c1', 3, 4).node('Sigmoid', ['c1'], ['s']), 's', 'c2', 4, 2).output('c2'));
    expect(names).toEqual(['s']);
  });

  it('follows chains of per-channel ops (BatchNormalization, Tanh, Gelu)', () => {
    const names = representative((b) => {
      conv(b, 'x', 'c1', 3, 4);
      b.weight('g', [4]).weight('be', [4]).weight('m', [4]).weight('v', [4]);
      b.node('BatchNormalization', ['c1', 'g', 'be', 'm', 'v'], ['bn']).node('Tanh', ['bn'], ['t']).node('Gelu', ['t'], ['gl']);
      conv(b, 'gl', 'c2', 4, 2).output('c2');
    });
    expect(names).toEqual(['gl']);
  });

  it('stops before an op that is not per-channel and at a tensor read twice', () => {
    expect(representative((b) => conv(conv(b, 'x', 'c1', 3, 4).node('Exp', ['c1'], ['e']), 'e', 'c2', 4, 2).output('c2'))).toEqual(['c1']);
    const branched = representative((b) => {
      conv(b, 'x', 'c1', 3, 4).node('Sigmoid', ['c1'], ['s']).node('Relu', ['s'], ['r']);
      conv(b, 's', 'c2', 4, 2);
      conv(b, 'r', 'c3', 4, 2);
      b.node('Add', ['c2', 'c3'], ['y']).output('y');
    });
    expect(branched).toEqual(['s']);
  });
});
