import { describe, expect, it } from 'vitest';
import type { GroupSummary, ModelSummary, PlanCost, ValidationReport } from '../../workers/protocol';
import { createStudioStore } from '../store/store';
import { reportHtml } from './report-html';
import { allocationText, reportInput, type ReportInput } from './report-input';

const EVIL = '<script>alert("x")</script>';
const groups: GroupSummary[] = [
  { id: 'conv1', label: `/stem/${EVIL}/Conv`, channels: 16, members: ['conv1'], prunable: true, tensors: [{ tensor: 'c1', start: 0, length: 16 }] },
  { id: 'conv2', label: 'conv2', channels: 32, members: ['conv2'], prunable: true, tensors: [{ tensor: 'c2', start: 0, length: 32 }] },
  { id: 'fc', label: '/fc/Gemm', channels: 10, members: ['fc'], prunable: false, reason: 'model output (class channels): logits', tensors: [{ tensor: 'logits', start: 0, length: 10 }] },
];
const summary = {
  fileName: `evil${EVIL}.onnx`, modelHash: 'h', fileBytes: 314_565, graphName: 'main_graph', producer: `pytorch ${EVIL}`, irVersion: 8, opsets: 'ai.onnx 13',
  inputs: [{ id: 'input:x', name: 'x', shape: ['batch', 1, 28, 28] }], outputs: [{ id: 'output:logits', name: 'logits', shape: ['batch', 10] }],
  nodes: [
    { id: 'conv1', name: `/stem/${EVIL}/Conv`, opType: 'Conv', outputs: ['c1'], macs: 1_000_000 },
    { id: 'conv2', name: 'conv2', opType: 'Conv', outputs: ['c2'], macs: 8_000_000 },
    { id: 'fc', name: '/fc/Gemm', opType: 'Gemm', outputs: ['logits'], macs: 320 },
  ],
  edges: [], tensors: {}, totals: { params: 77_418, macs: 9_000_320 }, unknownShapes: [], externalDataFiles: [],
} as unknown as ModelSummary;
const half = (n: number) => Array.from({ length: n / 2 }, (_, i) => i);
const cost: PlanCost = {
  before: { params: 77_418, bytes: 309_672, macs: 9_000_320 },
  after: { params: 19_610, bytes: 78_440, macs: 2_250_160 },
  keep: { conv1: half(16), conv2: half(32) },
  planJson: '{}',
  layers: [{ node: 'conv1', macs: 250_000 }, { node: 'conv2', macs: 2_000_000 }, { node: 'fc', macs: 160 }],
};
const validation: ValidationReport = {
  original: { accuracy: 0.9215, latencyMs: 1.234 }, pruned: { accuracy: 0.8875, agreement: 0.93, kl: 0.0123, latencyMs: 0.5, speedup: 2.47, top5Agreement: 0.99 } as ValidationReport['pruned'],
  perImage: Array.from({ length: 80 }, (_, i) => ({ name: `${i}.png`, original: 0, pruned: 0 })), backend: 'wasm', recovery: 'none',
};

function store() {
  const st = createStudioStore();
  const s = st.getState();
  s.loadSucceeded(summary, { title: `ResNet-8 ${EVIL}`, testAccuracy: 0.9215 });
  s.setGroups(groups);
  s.setCriteria([{ id: 'l1', name: 'L1 norm', description: '', needsImages: false }]);
  s.applyRatios({ conv1: 0.5, conv2: 0.5 });
  s.setCost(cost);
  return st;
}

describe('the HTML report', () => {
  it('says what the UI says: model card, plan, cost before/after, per-layer channels and MACs, validation', () => {
    const st = store();
    st.getState().setValidation({ report: validation });
    const input = reportInput(st.getState(), new Date('2026-12-02T10:30:00Z')) as ReportInput;
    const html = reportHtml(input);
    expect(html).toMatch(/^<!doctype html>/);
    // Model card.
    expect(html).toContain('307.2 KiB'); // formatBytes(314565), as the Model tab shows it
    expect(html).toContain('<dt>Parameters</dt><dd>77.4 k</dd>'); // formatCount, as the Model tab
    expect(html).toContain('<dt>MACs / sample</dt><dd>9.00 M</dd>');
    expect(html).toContain('ai.onnx 13');
    // Plan and cost table (the Ratios tab's numbers: compact, bytes, change).
    expect(html).toContain('L1 norm (l1)');
    expect(html).toContain('uniform: 50 % of the channels of every prunable group');
    expect(html).toContain('<td>8 / 16</td>');
    expect(html).toContain('<td>16 / 32</td>');
    expect(html).toContain('barrier: model output (class channels): logits');
    expect(html).toContain('<tr><td>Parameters</td><td>77.4 k</td><td>19.6 k</td><td class="change">−74.7 %</td></tr>');
    expect(html).toContain('<tr><td>MACs / image</td><td>9.00 M</td><td>2.25 M</td><td class="change">−75.0 %</td></tr>');
    // Architecture: chart inline as SVG and the per-layer table.
    expect(html).toMatch(/<svg [^>]*aria-label="Pruned architecture: 3 layers; output channels 58 → 34; MACs 9\.00 M → 2\.25 M"/);
    expect(html).toContain('<td>16 → 8</td><td>1.00 M → 250 k</td>');
    // Validation.
    expect(html).toContain('<tr><td>Accuracy</td><td>92.2 %</td><td>88.8 %</td></tr>');
    expect(html).toContain('80 images');
    expect(html).toContain('2.47×');
    // No sensitivity run: no section.
    expect(html).not.toContain('id="sensitivity"');
  });

  it('escapes every string from the model and has no external URL, script or remote resource', () => {
    const st = store();
    st.getState().setSensitivity({ result: { ratios: [0.25, 0.5], metric: 'accuracy', curves: { conv1: [0.01, 0.05], conv2: [0, 0.2] } } });
    const html = reportHtml(reportInput(st.getState()) as ReportInput);
    expect(html).not.toContain(EVIL);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    // Sensitivity curves inline, one path per group, with the legend.
    expect(html).toContain('id="sensitivity"');
    expect(html.match(/<path d="M[^"]+" fill="none" stroke="#[0-9a-f]{6}" stroke-width="2">/g)).toHaveLength(2);
  });

  it('draws a sweep’s chart and points when the Trade-offs tab has one (a cancelled one: the points done)', () => {
    const st = store();
    expect(reportHtml(reportInput(st.getState()) as ReportInput)).not.toContain('id="tradeoffs"');
    const point = (target: number, macsKept: number, accuracy: number, latencyMs: number) => ({
      series: 'uniform:l1', target, macsKept, accuracy, agreement: accuracy, latencyMs, params: 1, plan: { ratios: {}, roundTo: 1, criterion: 'l1' }, met: true, seconds: 1,
    });
    st.getState().setSweep({
      series: [{ id: 'uniform:l1', allocation: 'uniform', criterion: 'l1', label: `L1 · uniform ${EVIL}` }], targets: [90, 50, 30],
      points: [point(0.9, 0.89, 0.91, 0.5), point(0.5, 0.495, 0.93, 0.3)], total: 3, baseline: { accuracy: 0.92, latencyMs: 0.6 },
      recovery: 'none', images: 300, backend: 'wasm', state: 'cancelled',
    });
    const html = reportHtml(reportInput(st.getState()) as ReportInput);
    expect(html).toContain('id="tradeoffs"');
    expect(html).toContain('cancelled after 2 of 3 points');
    expect(html).toMatch(/<svg [^>]*aria-label="Trade-offs: accuracy against MACs kept, 2 points in 1 series, 1 on the Pareto front; latency per image below"/);
    // The cheaper point is also the more accurate: it alone is on the front.
    expect(html).toContain('<td>50 %</td><td>49.5 %</td><td>93.0 %</td><td>0.30 ms</td><td>yes</td>');
    expect(html).toContain('<td>90 %</td><td>89.0 %</td><td>91.0 %</td><td>0.50 ms</td><td></td>');
    expect(html).not.toContain(EVIL);
  });

  it('is not made before the plan has its cost', () => {
    const st = store();
    st.getState().setCostPending(true);
    expect(reportInput(st.getState())).toEqual({ missing: expect.stringContaining('cost') });
  });
});

describe('allocationText', () => {
  it('names uniform plans, per-group plans and no plan', () => {
    expect(allocationText(groups, {}, 'uniform', 0.5)).toBe('none: no channels removed');
    expect(allocationText(groups, { conv1: 0.3, conv2: 0.6 }, 'global', 0.45)).toBe('per group: 2 of 2 groups pruned, 30 %–60 % (global control: global ranking, 45 %)');
  });
});
