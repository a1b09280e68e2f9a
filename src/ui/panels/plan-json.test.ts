import { describe, expect, it } from 'vitest';
import type { GroupSummary } from '../../workers/protocol';
import { parsePlanJson } from './plan-json';

const groups: GroupSummary[] = [
  { id: 'conv1', label: 'conv1', channels: 16, members: ['conv1'], prunable: true },
  { id: 'conv2', label: 'conv2', channels: 32, members: ['conv2'], prunable: true },
];

describe('parsePlanJson', () => {
  it('turns kept channel lists into ratios and reports foreign groups', () => {
    const text = JSON.stringify({
      format: 'prune-studio-plan', version: 1,
      groups: { conv1: { channels: 16, keep: [0, 1, 2, 3, 4, 5, 6, 7] }, conv2: { channels: 64, keep: [0] }, other: { channels: 8, keep: [1] } },
    });
    expect(parsePlanJson(text, groups)).toEqual({ ratios: { conv1: 0.5 }, unknown: ['other'], mismatched: ['conv2'] });
  });

  it('rejects files that are not plans with an actionable message', () => {
    expect(() => parsePlanJson('nope', groups, 'x.json')).toThrow(/x\.json is not JSON/);
    expect(() => parsePlanJson('{"ratios":{}}', groups, 'x.json')).toThrow(/no "groups"/);
  });
});
