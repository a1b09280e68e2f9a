import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../graph/ir.js';
import { inferShapes } from '../graph/shapes.js';
import type { ModelProto } from '../onnx/proto.js';
import { buildBackwardModel } from './backward.js';
import { interpolationMatrix } from './backward-dense.js';
import { detectTask, isTaskKind, type TaskKind } from './loss-task.js';
import type { Float32Tensor } from './runner.js';
import { withModel } from './runner.js';
import { expectReferenceGradients } from './test-utils/finite-diff.js';
import { loadRepoModel, loadScoreFixture, nodeRunner } from './test-utils/ort-runner.js';

const TOLERANCE = 1e-3;

/** Float64 references from test-data/reference_grads.py (the dense-head cases): central finite differences of the same graph. */
interface ReferenceCase {
  model: string;
  input: Float32Tensor & { data: number[] };
  targets: Record<string, { dims: number[]; data: number[]; isProbs: boolean; task?: TaskKind }>;
  activations: Record<string, { channelTaylor: number[]; directional: number }>;
}
const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCES = JSON.parse(readFileSync(join(HERE, 'test-data/reference-grads-dense.json'), 'utf8')) as ReferenceCase[];
const FIXTURES = 'tools/fixtures/models';

function load(name: string): ModelProto {
  return name === 'dense-ops-opset13.onnx' ? loadScoreFixture(name) : loadRepoModel(`${FIXTURES}/${name}`);
}

/** The detected task of every output must be the loss the reference used (the cases pin detection too). */
async function checkAgainstReference(ref: ReferenceCase): Promise<void> {
  const model = load(ref.model);
  const ir = buildGraph(model);
  const shapes = inferShapes(ir);
  for (const [output, t] of Object.entries(ref.targets)) {
    const expected = t.task ?? (t.dims.length === 2 ? 'class' : 'segmentation');
    expect(detectTask(ir, shapes, output), `task of "${output}"`).toBe(expected);
  }
  const activations = Object.keys(ref.activations);
  const bw = buildBackwardModel(model, { activations });
  const feeds: Record<string, Float32Tensor> = { input: { dims: ref.input.dims, data: Float32Array.from(ref.input.data) } };
  for (const [output, t] of Object.entries(ref.targets)) feeds[bw.targetOf.get(output)!] = { dims: t.dims, data: Float32Array.from(t.data) };
  const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
  expectReferenceGradients(result, bw.gradientOf, ref.activations, TOLERANCE);
}

const reference = (model: string) => REFERENCES.find((r) => r.model === model)!;

describe('dense-head backward rules match float64 finite differences', () => {
  it('grouped ConvTranspose with output_padding, constant Pad, Slice, nearest Resize ×2, bilinear Resize to 17×19 (sizes from Shape) and ×1.5 align_corners, Tanh; L2 loss', async () => {
    const ref = reference('dense-ops-opset13.onnx');
    for (const op of ['ConvTranspose', 'Pad', 'Slice', 'Resize']) expect(Object.keys(ref.activations).some((a) => a.includes(op)), op).toBe(true);
    await checkAgainstReference(ref);
  });
  it('two tasks: class logits (cross-entropy) + Sigmoid reconstruction decoded by ConvTranspose (L2), losses summed', async () => {
    await checkAgainstReference(reference('multi-task.onnx'));
  });
  it('segmentation fixture: ConvTranspose, skip Concat, bilinear Resize ×2; per-pixel cross-entropy', async () => {
    await checkAgainstReference(reference('segmentation.onnx'));
  });
});

describe('interpolationMatrix', () => {
  it('nearest ×2 asymmetric is a sum-pool adjoint: each input feeds two outputs', () => {
    const m = interpolationMatrix('nearest', 'asymmetric', 'floor', 2, 3, 6);
    const columnSums = [0, 1, 2].map((c) => [0, 1, 2, 3, 4, 5].reduce((s, r) => s + m[r * 3 + c]!, 0));
    expect(columnSums).toEqual([2, 2, 2]);
  });
  it('linear rows sum to 1, clamped at the borders', () => {
    const m = interpolationMatrix('linear', 'half_pixel', 'floor', 17 / 26, 26, 17);
    for (let r = 0; r < 17; r++) expect(Array.from(m.subarray(r * 26, (r + 1) * 26)).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
  });
});

describe('backward rules refuse what they cannot differentiate', () => {
  it('Resize in cubic mode names the mode', () => {
    const model = loadRepoModel(`${FIXTURES}/segmentation.onnx`);
    const resize = model.graph!.node.find((n) => n.opType === 'Resize')!;
    resize.attribute.find((a) => a.name === 'mode')!.s = new TextEncoder().encode('cubic');
    expect(() => buildBackwardModel(model, { activations: ['/head/Conv_output_0'] })).toThrow(/Resize node .*mode "cubic"/);
  });
  it('Pad in reflect mode', () => {
    const model = loadScoreFixture('dense-ops-opset13.onnx');
    const pad = model.graph!.node.find((n) => n.opType === 'Pad')!;
    pad.attribute.find((a) => a.name === 'mode')!.s = new TextEncoder().encode('reflect');
    expect(() => buildBackwardModel(model, { activations: ['/Relu_output_0'] })).toThrow(/Pad node .*only constant padding/);
  });
});

describe('detectTask', () => {
  it('class logits, a Sigmoid reconstruction, per-pixel class logits behind a Resize', () => {
    const two = buildGraph(loadRepoModel(`${FIXTURES}/multi-task.onnx`));
    const seg = buildGraph(loadRepoModel(`${FIXTURES}/segmentation.onnx`));
    expect(detectTask(two, inferShapes(two), 'logits')).toBe('class');
    expect(detectTask(two, inferShapes(two), 'reconstruction')).toBe('dense');
    expect(detectTask(seg, inferShapes(seg), 'output')).toBe('segmentation');
    expect(isTaskKind('dense')).toBe(true);
    expect(isTaskKind('regression')).toBe(false);
  });
});
