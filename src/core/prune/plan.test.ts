// Plan format versions 1 and 2 (docs/plan-format.md): v1 plans read as before, v2 adds low rank and
// sparsity with checked fields, newer versions are refused with what this build reads, and a plan
// written and read back is byte-identical.
import { describe, expect, it } from 'vitest';
import { formatPlan, parsePlan, planWithCompress, PLAN_FORMAT, type PrunePlan } from './plan.js';

const v1: PrunePlan = {
  format: PLAN_FORMAT,
  version: 1,
  model: { graph: 'main_graph', producer: 'pytorch 2.1', nodes: 12 },
  criterion: 'l2',
  groups: { '/conv1/Conv': { channels: 8, keep: [0, 2, 5] } },
};
const v2: PrunePlan = {
  ...v1,
  version: 2,
  lowrank: { ranks: { '/fc1/Gemm': 12, '/conv2/Conv': 3 } },
  sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' },
};
const roundTrip = (text: string) => formatPlan(parsePlan(JSON.parse(text)));

describe('plan format', () => {
  it('reads version 1 plans as before and writes channel-only plans as version 1', () => {
    expect(parsePlan(JSON.parse(JSON.stringify(v1)))).toEqual(v1);
    expect(planWithCompress(v1, {})).toEqual(v1);
    expect(planWithCompress(v1, { lowrank: { ranks: {} } }).version).toBe(1);
    expect(roundTrip(formatPlan(v1))).toBe(formatPlan(v1));
  });

  it('reads and writes version 2 byte-identically, keys in canonical order', () => {
    const text = formatPlan(v2);
    expect(roundTrip(text)).toBe(text);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['format', 'version', 'model', 'criterion', 'groups', 'lowrank', 'sparsity']);
    // Written in another key order, read back canonical.
    const shuffled = { sparsity: { criterion: 'magnitude', scope: 'layer', sparsity: 0.5, pattern: '2:4' }, lowrank: v2.lowrank, groups: v1.groups, criterion: 'l2', model: v1.model, version: 2, format: PLAN_FORMAT };
    expect(formatPlan(parsePlan(shuffled))).toBe(text);
    // planWithCompress makes a v1 plan v2 with the same canonical bytes.
    expect(formatPlan(planWithCompress(v1, { sparsity: v2.sparsity, lowrank: v2.lowrank }))).toBe(text);
    // A v2 plan with empty groups (from `lowrank --plan-out`) and one with only sparsity.
    const only = planWithCompress({ ...v1, groups: {}, criterion: 'manual' }, { sparsity: { pattern: 'unstructured', sparsity: 0.6, scope: 'global', criterion: 'taylor' } });
    expect(only.version).toBe(2);
    expect(roundTrip(formatPlan(only))).toBe(formatPlan(only));
  });

  it('fills the defaults of sparsity scope and criterion', () => {
    const p = parsePlan({ ...v1, version: 2, sparsity: { pattern: 'unstructured', sparsity: 0.3 } });
    expect(p.sparsity).toEqual({ pattern: 'unstructured', sparsity: 0.3, scope: 'global', criterion: 'magnitude' });
    expect(parsePlan({ ...v1, version: 2, sparsity: { pattern: '4:8', sparsity: 0.5 } }).sparsity?.scope).toBe('layer');
  });

  it('refuses newer versions, saying which this build reads', () => {
    expect(() => parsePlan({ ...v1, version: 3 }, 'p.json')).toThrow(/p\.json: "version" 3 is newer than this build: it reads versions 1 and 2/);
    expect(() => parsePlan({ ...v1, version: 'two' })).toThrow(/unsupported "version" "two" \(this build reads versions 1 and 2\)/);
    expect(() => parsePlan({ ...v1, version: undefined })).toThrow(/unsupported "version" missing/);
  });

  it('refuses compress fields in a version 1 plan and bad fields with what to write', () => {
    expect(() => parsePlan({ ...v1, lowrank: { ranks: { a: 2 } } })).toThrow(/"lowrank" needs "version": 2/);
    const bad = (extra: object) => () => parsePlan({ ...v1, version: 2, ...extra });
    expect(bad({ lowrank: { a: 2 } })).toThrow(/"lowrank" must be \{ "ranks": \{ layer id: rank \} \}/);
    expect(bad({ lowrank: { ranks: { '/fc/Gemm': 0 } } })).toThrow(/layer "\/fc\/Gemm": rank must be a whole number ≥ 1, got 0/);
    expect(bad({ lowrank: { ranks: { '/fc/Gemm': 2.5 } } })).toThrow(/rank must be a whole number/);
    expect(bad({ sparsity: { pattern: '4:2', sparsity: 0.5 } })).toThrow(/"sparsity.pattern": pattern "4:2": use unstructured or N:M with 1 ≤ N < M/);
    expect(bad({ sparsity: { pattern: 'unstructured', sparsity: 1 } })).toThrow(/"sparsity.sparsity" must be a number in \(0, 1\)/);
    expect(bad({ sparsity: { pattern: '2:4', sparsity: 0.7 } })).toThrow(/"sparsity.sparsity" must be 0.5 for pattern 2:4/);
    expect(bad({ sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'global' } })).toThrow(/"sparsity.scope" must be "layer" for pattern 2:4/);
    expect(bad({ sparsity: { pattern: 'unstructured', sparsity: 0.5, scope: 'model' } })).toThrow(/"sparsity.scope" must be "layer" or "global", got "model"/);
    expect(bad({ sparsity: { pattern: 'unstructured', sparsity: 0.5, criterion: 'l1' } })).toThrow(/"sparsity.criterion" must be "magnitude" or "taylor", got "l1"/);
  });
});
