// The report of a model with several outputs (or a segmentation one) speaks each output's task: the
// outputs with their kinds, a validation row per output, a sensitivity chart per output, and the
// headline rows in the model's own measures (no class accuracy for a segmentation model).
import { describe, expect, it } from 'vitest';
import type { GroupSummary, ModelSummary, PlanCost, ValidationReport } from '../../workers/protocol';
import { createStudioStore } from '../store/store';
import { reportHtml } from './report-html';
import { reportInput, type ReportInput } from './report-input';

const EVIL = '<script>alert("x")</script>';
const groups: GroupSummary[] = [
  { id: 'trunk', label: '/trunk/Conv', channels: 16, members: ['trunk'], prunable: true, tensors: [{ tensor: 't', start: 0, length: 16 }] },
  { id: 'dec', label: '/dec/ConvTranspose', channels: 8, members: ['dec'], prunable: true, tensors: [{ tensor: 'd', start: 0, length: 8 }] },
];
const summaryWith = (outputs: { name: string; shape: (string | number)[] }[], kinds: ('class' | 'dense' | 'segmentation')[]) => ({
  fileName: 'two.onnx', modelHash: 'h', fileBytes: 1000, graphName: 'g', producer: 'p', irVersion: 8, opsets: 'ai.onnx 17',
  inputs: [{ id: 'input:x', name: 'x', shape: [1, 1, 28, 28] }], outputs: outputs.map((o) => ({ id: `output:${o.name}`, ...o })),
  outputTasks: outputs.map((o, i) => ({ name: o.name, kind: kinds[i]!, detected: kinds[i]! })),
  nodes: [{ id: 'trunk', name: '/trunk/Conv', opType: 'Conv', outputs: ['t'], macs: 1000 }, { id: 'dec', name: '/dec/ConvTranspose', opType: 'ConvTranspose', outputs: ['d'], macs: 1000 }],
  edges: [], tensors: {}, totals: { params: 100, macs: 2000 }, unknownShapes: [], externalDataFiles: [],
}) as unknown as ModelSummary;
const cost: PlanCost = {
  before: { params: 100, bytes: 400, macs: 2000 }, after: { params: 50, bytes: 200, macs: 1000 },
  keep: { trunk: [0, 1, 2, 3, 4, 5, 6, 7], dec: [0, 1, 2, 3] }, planJson: '{}', layers: [{ node: 'trunk', macs: 500 }, { node: 'dec', macs: 500 }],
};
const base = { latencyMs: 1 };
const pruned = { accuracy: 0.8, agreement: 0.9, kl: 0.01, latencyMs: 0.5, speedup: 2 } as ValidationReport['pruned'];

function storeFor(summary: ModelSummary, validation: ValidationReport) {
  const st = createStudioStore();
  const s = st.getState();
  s.loadSucceeded(summary, undefined);
  s.setGroups(groups);
  s.setCriteria([{ id: 'taylor', name: 'Taylor', description: '', needsImages: true }]);
  s.applyRatios({ trunk: 0.5, dec: 0.5 });
  s.setCost(cost);
  s.setValidation({ report: validation });
  return st;
}

describe('the HTML report of a multi-task model', () => {
  it('lists both outputs with their tasks, a validation row per output and a sensitivity chart per output, escaped', () => {
    const summary = summaryWith([{ name: 'logits', shape: [1, 10] }, { name: `recon${EVIL}`, shape: [1, 1, 28, 28] }], ['class', 'dense']);
    const st = storeFor(summary, {
      original: { accuracy: 0.85, ...base }, pruned, perImage: [], backend: 'wasm', recovery: 'none',
      outputs: [
        { name: 'logits', kind: 'class', class: { accuracy: 0.8, agreement: 0.9, kl: 0.01 } as never },
        { name: `recon${EVIL}`, kind: 'dense', dense: { mse: 0.00123, psnr: 29.1, psnrRange: 1, cosine: 0.987 } as never },
      ],
    });
    st.getState().setSensitivity({
      result: {
        ratios: [0.5], metric: 'agreement', recovery: 'lsq', curves: { trunk: [0.1], dec: [0.2] },
        outputs: [{ name: 'logits', task: 'class', measure: 'agreement' }, { name: `recon${EVIL}`, task: 'dense', measure: '1 − R²' }],
        perOutput: { trunk: { logits: [0.1], [`recon${EVIL}`]: [0.05] }, dec: { logits: [0], [`recon${EVIL}`]: [0.3] } },
      },
    });
    const html = reportHtml(reportInput(st.getState()) as ReportInput);
    expect(html).not.toContain(EVIL);
    expect(html).not.toMatch(/<script|\s(src|href)=/i);
    // Outputs and tasks.
    expect(html).toContain('id="outputs"');
    expect(html).toMatch(/<tr data-output="logits"><td class="name">logits<\/td><td class="name">1×10<\/td><td>classification<\/td><td>detected<\/td><\/tr>/);
    expect(html).toContain('<td>dense regression</td>');
    // A validation row per output in its task's measures; the headline stays the classifier's.
    expect(html).toContain('data-testid="report-output-validation"');
    expect(html).toMatch(/data-output="logits" data-task="class">.*agreement <b>90\.0 %<\/b>/);
    expect(html).toMatch(/data-task="dense">.*MSE <b>0\.00123<\/b><\/span> · <span [^>]*>PSNR <b>29\.10 dB<\/b>/);
    expect(html).toContain('<tr><td>Accuracy</td><td>85.0 %</td><td>80.0 %</td></tr>');
    // Sensitivity: the combined chart plus one per output, two curves each.
    expect(html.match(/data-testid="report-sensitivity-output"/g)).toHaveLength(2);
    // Curves measured after the least-squares refit say so.
    expect(html).toContain('then refitted by least squares on the same images (curves after least squares)');
    expect(html).toContain('1 − R² drop of that output alone');
    expect(html.match(/<path d="M[^"]+" fill="none" stroke="#[0-9a-f]{6}" stroke-width="2">/g)).toHaveLength(6);
  });

  it('a segmentation model: pixel accuracy and mIoU, said against what, and no class accuracy', () => {
    const summary = summaryWith([{ name: 'out', shape: [1, 4, 32, 32] }], ['segmentation']);
    const seg = (pixelAccuracy: number, miou: number, labelledImages: number) => ({ pixelAccuracy, miou, miouClasses: 4, labelledImages, images: 3 });
    const report: ValidationReport = {
      original: { ...base }, pruned: { ...pruned, accuracy: undefined }, perImage: [], backend: 'wasm', recovery: 'none',
      outputs: [{ name: 'out', kind: 'segmentation', segmentation: seg(0.9, 0.6, 0) }],
    };
    let html = reportHtml(reportInput(storeFor(summary, report).getState()) as ReportInput);
    expect(html).not.toMatch(/<td>Accuracy<\/td>|Agreement \(top-1\)|KL\(original/);
    expect(html).toContain('<tr><td>Pixel accuracy</td><td>100.0 %</td><td>90.0 %</td></tr>');
    expect(html).toContain('<tr><td>mIoU</td><td>100.0 %</td><td>60.0 %</td></tr>');
    expect(html).toContain('against the unpruned model&#39;s masks (no label masks given)');
    expect(html).toContain('<td>segmentation</td>');
    // With label masks, the unpruned model has its own score against them.
    html = reportHtml(reportInput(storeFor(summary, {
      ...report, outputs: [{ name: 'out', kind: 'segmentation', segmentation: seg(0.7, 0.5, 3) }], originalOutputs: [{ name: 'out', kind: 'segmentation', segmentation: seg(0.75, 0.55, 3) }],
    }).getState()) as ReportInput);
    expect(html).toContain('<tr><td>mIoU</td><td>55.0 %</td><td>50.0 %</td></tr>');
    expect(html).toContain('against label masks (3 images)');
  });
});
