import { describe, expect, it } from 'vitest';
import { choiceOption, flag, parseArgs, stringOption, UsageError } from './args.js';

describe('parseArgs', () => {
  it('separates positionals, boolean flags and options with values', () => {
    const args = parseArgs(['model.onnx', '--json', '-o', 'out.onnx', '--ratio=0.5', '--target', '-1', 'extra'], ['o', 'target']);
    expect(args.positional).toEqual(['model.onnx', 'extra']);
    expect(flag(args, 'json')).toBe(true);
    expect(stringOption(args, 'out', 'o')).toBe('out.onnx');
    expect(stringOption(args, 'ratio')).toBe('0.5');
    expect(stringOption(args, 'target')).toBe('-1');
  });

  it('treats negative numbers and everything after -- as positionals', () => {
    expect(parseArgs(['-3', '--', '--json']).positional).toEqual(['-3', '--json']);
  });

  it('rejects a value option without its value, and a value read from a boolean flag', () => {
    expect(() => parseArgs(['-o'], ['o'])).toThrow(UsageError);
    expect(() => stringOption(parseArgs(['--out']), 'out')).toThrow('option --out needs a value');
  });
});

describe('choiceOption', () => {
  it('returns a listed value or the fallback, and names the valid values otherwise', () => {
    const choices = ['mean', 'max'] as const;
    expect(choiceOption(parseArgs(['--a', 'max'], ['a']), 'a', choices, 'mean')).toBe('max');
    expect(choiceOption(parseArgs([], ['a']), 'a', choices, 'mean')).toBe('mean');
    expect(choiceOption(parseArgs([], ['a']), 'a', choices)).toBeUndefined();
    expect(() => choiceOption(parseArgs(['--a', 'sum'], ['a']), 'a', choices)).toThrow(new UsageError('--a must be one of mean, max, got "sum"'));
  });
});
