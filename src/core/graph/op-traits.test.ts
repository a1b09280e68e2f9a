// The operator table is the one place operator knowledge lives; these checks keep its columns
// consistent with each other and with the rule tables derived from it.
import { describe, expect, it } from 'vitest';
import { BACKWARD_RULES } from '../score/backward-ops.js';
import { OP_TRAITS, opTraits, type ChannelRuleId } from './op-traits.js';
import { SHAPE_RULES } from './shape-ops/registry.js';

const entries = Object.entries(OP_TRAITS);
const opsWith = (pred: (t: (typeof entries)[number][1]) => boolean): string[] => entries.filter(([, t]) => pred(t)).map(([op]) => op).sort();

/** Channel rules that hand input 0's layout to output 0 unchanged (besides slicing per-channel constants). */
const CHANNEL_PRESERVING: readonly ChannelRuleId[] = ['passThrough', 'prelu', 'batchNorm', 'instanceNorm'];

describe('OP_TRAITS', () => {
  it('gives every op with a channel rule a shape rule and a real family', () => {
    const missing = opsWith((t) => !!t.channel && (!t.shape || t.family === 'other'));
    expect(missing).toEqual([]);
    expect(opsWith((t) => !!t.channel).length).toBeGreaterThan(90);
  });

  it('marks as per-channel only ops whose channel rule keeps the layout and that have a shape rule', () => {
    const perChannel = opsWith((t) => !!t.perChannel);
    const bad = perChannel.filter((op) => !OP_TRAITS[op]!.shape || !CHANNEL_PRESERVING.includes(OP_TRAITS[op]!.channel!));
    expect(bad).toEqual([]);
    // The activations that scores used to stop at (the defect) are in, element-wise math is not.
    expect(perChannel).toEqual(expect.arrayContaining(['Sigmoid', 'Tanh', 'Gelu', 'HardSigmoid', 'Mish', 'Relu', 'BatchNormalization', 'PRelu']));
    expect(perChannel).not.toContain('Exp');
    expect(perChannel).not.toContain('Add');
  });

  it('backward rules exist only for ops the channel and shape analyses follow', () => {
    expect(opsWith((t) => !!t.backward && !t.shape)).toEqual([]);
    expect(opsWith((t) => !!t.backward && !t.channel)).toEqual([]);
  });

  it('derives the shape and backward tables: exactly the ops that name a rule', () => {
    expect(Object.keys(SHAPE_RULES).sort()).toEqual(opsWith((t) => !!t.shape));
    expect(Object.keys(BACKWARD_RULES).sort()).toEqual(opsWith((t) => !!t.backward));
    expect(SHAPE_RULES.Sigmoid).toBe(SHAPE_RULES.Relu);
    expect(BACKWARD_RULES.Sum).toBe(BACKWARD_RULES.Add);
  });

  it('knows nothing about names that are not ops, even Object.prototype members', () => {
    expect(opTraits('constructor')).toBeUndefined();
    expect(opTraits('toString')).toBeUndefined();
    expect(SHAPE_RULES.constructor).toBeUndefined();
    expect(opTraits('com.example.CustomFoo')).toBeUndefined();
  });
});
