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

  it('reads a version 2 plan\'s low rank and sparsity, refuses newer versions and bad fields', () => {
    const v2 = {
      format: 'prune-studio-plan', version: 2, groups: { conv1: { channels: 16, keep: [0, 1, 2, 3] } },
      lowrank: { ranks: { '/fc/Gemm': 4 } }, sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' },
    };
    expect(parsePlanJson(JSON.stringify(v2), groups)).toEqual({ ratios: { conv1: 0.75 }, unknown: [], mismatched: [], compress: { lowrank: v2.lowrank, sparsity: v2.sparsity } });
    expect(parsePlanJson(JSON.stringify({ ...v2, lowrank: undefined, sparsity: undefined }), groups).compress).toEqual({});
    expect(() => parsePlanJson(JSON.stringify({ ...v2, version: 3 }), groups, 'p.json')).toThrow(/p\.json: "version" 3 is newer than this build: it reads versions 1 and 2/);
    expect(() => parsePlanJson(JSON.stringify({ ...v2, sparsity: { pattern: '2-4', sparsity: 0.5 } }), groups, 'p.json')).toThrow(/p\.json: "sparsity.pattern": pattern "2-4"/);
    expect(() => parsePlanJson(JSON.stringify({ ...v2, version: 1 }), groups, 'p.json')).toThrow(/"lowrank" needs "version": 2/);
  });
});
