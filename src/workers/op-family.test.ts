// The UI's operator facts come from core's operator table; the legend must cover every family it uses.
import { describe, expect, it } from 'vitest';
import { OP_TRAITS } from '../core/graph/op-traits';
import { FAMILY_LABELS, isChannelTransparent, opFamily } from './op-family';

describe('op-family', () => {
  it('reads families and channel transparency from the operator table', () => {
    expect(opFamily('Conv')).toBe('conv');
    expect(opFamily('ReduceSum')).toBe('pool');
    expect(opFamily('NotAnOp')).toBe('other');
    expect(opFamily('constructor')).toBe('other');
    expect(isChannelTransparent('Sigmoid')).toBe(true);
    expect(isChannelTransparent('BatchNormalization')).toBe(true);
    expect(isChannelTransparent('Add')).toBe(false);
    expect(isChannelTransparent('Concat')).toBe(false);
  });

  it('has a legend label for every family of the table', () => {
    const labelled = new Set(FAMILY_LABELS.map(([f]) => f));
    expect(Object.values(OP_TRAITS).filter((t) => !labelled.has(t.family))).toEqual([]);
  });
});
