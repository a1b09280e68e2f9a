// GDP's gates on a real export (the demo ResNet-8) and the bundled calibration images, on
// onnxruntime-node: the gated model starts equal to the model, the removal and folding are exact,
// the regulariser's gradient is its derivative, and a short run meets the MACs target.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { planCosting } from '../prune/plan-costing.js';
import { loadRepoModel, nodeRunner, REPO_ROOT } from '../score/test-utils/ort-runner.js';
import { withModel, type Float32Tensor } from '../score/runner.js';
import { loadImageBatches } from '../../cli/data/score-images.js';
import { buildGatedModel, EPSILON_INPUT, foldGates, gatedTrainable, gateValue } from './gates-graph.js';
import { trainableParameters } from './parameters.js';
import { planRemoving, polarizationTerm } from './gates-polarize.js';
import { DEFAULT_GATES_SETTINGS, gateHistogram, learnGates } from './gates.js';
import { trainingImages } from './images.js';
import { applyPlan } from '../prune/apply.js';
import { buildBackwardModel } from '../score/backward.js';
import { makeTensor } from '../onnx/tensor.js';
import { TensorDataType } from '../onnx/proto.js';

const model = loadRepoModel('public/models/fmnist-resnet8.onnx');
const analysis = analyseChannels(buildGraph(model));
const batches = loadImageBatches(model, join(REPO_ROOT, 'public/samples/calibration'), REPO_ROOT, { limit: 96, batchSize: 32 }).batches;
const images = trainingImages(batches.map((b) => ({ feeds: b.feeds })));
const input = images.input;
const batch = batches[0]!.feeds[input]!;

const run = (m: Parameters<typeof withModel>[1], feeds: Record<string, Float32Tensor>) => withModel(nodeRunner, m, (s) => s.run(feeds));
const maxDiff = (a: Record<string, Float32Tensor>, b: Record<string, Float32Tensor>) => Math.max(...Object.keys(b).map((k) => Math.max(...b[k]!.data.map((v, i) => Math.abs(v - a[k]!.data[i]!)))));
const eps = (e: number) => ({ [EPSILON_INPUT]: { dims: [1], data: Float32Array.of(e) } });

describe('gates', () => {
  it('gates every prunable group of the ResNet-8, and the gated model starts equal to the model', async () => {
    const gated = buildGatedModel(model, analysis, { theta0: 0.3, epsilon0: 1e-2 });
    expect(gated.groups.length).toBe(analysis.groups.filter((g) => g.prunable).length);
    expect(gated.skipped).toEqual([]);
    const want = await run(model, { [input]: batch });
    expect(maxDiff(await run(gated.model, { [input]: batch, ...eps(1e-2) }), want)).toBeLessThan(1e-4);
  });

  it('SqueezeNet (gates read through Concat): the gated model starts equal and its training graph differentiates every θ', async () => {
    const squeeze = loadRepoModel('public/models/fmnist-squeezenet.onnx');
    const gated = buildGatedModel(squeeze, analyseChannels(buildGraph(squeeze)), { theta0: 0.3, epsilon0: 1e-2 });
    expect(gated.skipped).toEqual([]);
    expect(maxDiff(await run(gated.model, { [input]: batch, ...eps(1e-2) }), await run(squeeze, { [input]: batch }))).toBeLessThan(1e-4);
    const thetas = gated.groups.map((g) => g.theta);
    const bw = buildBackwardModel(gated.model, { activations: [], lossOutputs: gated.model.graph!.output.map((o) => o.name), trainable: thetas, temperature: 4, labels: false, lossScaleInputs: true });
    expect(thetas.every((t) => bw.parameterGradientOf.has(t))).toBe(true);
  });

  it('trains the VGG\'s own parameters and every θ, never the constants that spread a gate over a flattened channel\'s positions', () => {
    const vgg = loadRepoModel('public/models/fmnist-vgg.onnx');
    const gated = buildGatedModel(vgg, analyseChannels(buildGraph(vgg)), { theta0: 0.3, epsilon0: 1e-2 });
    const trained = gatedTrainable(gated);
    const thetas = gated.groups.map((g) => g.theta);
    expect(trained.filter((n) => gated.added.initializers.has(n))).toEqual(thetas);
    expect(trained.filter((n) => !gated.added.initializers.has(n))).toEqual(trainableParameters(vgg));
    // The Flatten → Gemm site: a channel's gate is spread over its H·W positions by a constant Mul operand.
    const spread = [...gated.added.initializers].filter((n) => !thetas.includes(n) && gated.model.graph!.node.some((x) => x.opType === 'Mul' && x.input.includes(n)));
    expect(spread.length).toBeGreaterThan(0);
  });

  it('with arbitrary gates, some exactly 0, the pruned and folded model equals the gated one (1e-4)', async () => {
    const gated = buildGatedModel(model, analysis, { theta0: 0.3, epsilon0: 1e-2 });
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const thetas = new Map(gated.groups.map((g) => [g.theta, Float32Array.from({ length: g.channels }, (_, c) => (c % 3 === 1 ? 0 : (random() - 0.5) * 0.6))]));
    const trained = structuredClone(gated.model);
    trained.graph!.initializer = gated.model.graph!.initializer.map((t) => (thetas.has(t.name) ? makeTensor(t.name, [thetas.get(t.name)!.length], TensorDataType.FLOAT, thetas.get(t.name)!) : t));
    const epsilon = 3e-3;
    const gates = new Map(gated.groups.map((g) => [g.id, Float32Array.from(thetas.get(g.theta)!, (t) => gateValue(t, epsilon))]));
    const zeros = new Map(gated.groups.map((g) => [g.id, new Set([...gates.get(g.id)!].flatMap((v, c) => (v === 0 ? [c] : [])))]));
    const plan = planRemoving(model, analysis, zeros);
    expect(Object.keys(plan.groups).length).toBe(gated.groups.length);
    const folded = foldGates(trained, gated, gates);
    const pruned = applyPlan(folded, plan, analyseChannels(buildGraph(folded)));
    const a = await run(trained, { [input]: batch, ...eps(epsilon) });
    const b = await run(pruned, { [input]: batch });
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
    // Not a vacuous equality: the gates changed the outputs.
    expect(maxDiff(a, await run(model, { [input]: batch }))).toBeGreaterThan(1e-2);
  });

  it.each([0, 0.5, 1])('the polarisation gradient (p = %s) equals finite differences of the regulariser', (p) => {
    const theta = Float32Array.of(0.3, -0.05, 0.01, 0, 1.2, -0.4);
    const weights = [1, 2, 0.5, 1, 3, 0.7];
    const grad = new Float32Array(theta.length);
    polarizationTerm(theta, weights, 0.7, 4e-3, grad, p);
    const h = 1e-4;
    theta.forEach((t, c) => {
      const up = Float32Array.from(theta);
      const down = Float32Array.from(theta);
      up[c] = t + h;
      down[c] = t - h;
      const fd = (polarizationTerm(up, weights, 0.7, 4e-3, undefined, p) - polarizationTerm(down, weights, 0.7, 4e-3, undefined, p)) / (2 * h);
      expect(grad[c]!).toBeCloseTo(fd, 2);
    });
    expect(grad[3]).toBe(0); // a gate at exactly 0 feels no pull: it stays there
  });

  it('polarisation pulls the gates below their group mean harder than those above it', () => {
    const theta = Float32Array.of(0.05, 0.06, 0.3, 0.31);
    const grad = new Float32Array(4);
    polarizationTerm(theta, [1, 1, 1, 1], 1, 1e-2, grad, 0.5);
    const plain = new Float32Array(4);
    polarizationTerm(theta, [1, 1, 1, 1], 1, 1e-2, plain, 0);
    expect(grad[0]! / plain[0]!).toBeCloseTo(1.5, 5);
    expect(grad[3]! / plain[3]!).toBeCloseTo(0.5, 5);
  });

  it('a short run meets the MACs target within one channel, ends with the gates at 0 or near 1, prunes exactly, then fine-tunes', { timeout: 180_000 }, async () => {
    const keep = 0.5;
    const phases: string[] = [];
    const result = await learnGates({ runner: nodeRunner, model, images, analysis, settings: { ...DEFAULT_GATES_SETTINGS, keep, epochs: 3, fineTune: 0.34, batchSize: 32, heldOutFraction: 0.25 }, onEpoch: (e) => e.epoch && phases.push(`${e.phase} ${e.epoch}`) });
    expect(phases).toEqual(['gates 1', 'gates 2', 'fine-tune 3']);
    expect(result.fineTune?.history.length).toBe(2);
    const costing = planCosting(model, analysis);
    expect(result.macs.met).toBe(true);
    expect(result.macs.kept).toBeLessThanOrEqual(keep * costing.base.macs);
    expect(costing.of(result.plan).macs).toBe(result.macs.kept);
    // Within one channel step: the target is missed by less than what putting back one removed channel costs.
    const steps = Object.entries(result.plan.groups).map(([id, g]) => {
      const back = [...g.keep, [...Array(g.channels).keys()].find((c) => !g.keep.includes(c))!].sort((a, b) => a - b);
      return costing.of({ ...result.plan, groups: { ...result.plan.groups, [id]: { channels: g.channels, keep: back } } }).macs - result.macs.kept;
    });
    expect(keep * costing.base.macs - result.macs.kept).toBeLessThan(Math.max(...steps));
    // Bimodal: every gate started at 0.9 (undecided); at the end they are 0 or ≥ 0.95.
    expect(gateHistogram(new Map(result.gates).set('start', new Float32Array(3).fill(0.9))).undecided).toBeGreaterThan(0);
    expect(result.histogram.undecided).toBeLessThan(0.05);
    expect(result.histogram.zero).toBeGreaterThan(0);
    expect(result.histogram.counts[0]! + result.histogram.counts[19]!).toBeGreaterThan(0.95 * result.histogram.total);
    // Exact: the gated model at its final gates and the pruned, folded model agree; fine-tuning keeps the architecture.
    const a = await run(result.gated.model, { [input]: batch, ...eps(result.gated.epsilon) });
    const b = await run(result.removed, { [input]: batch });
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
    expect(costing.of(result.plan).macs).toBe(planCosting(result.model, analyseChannels(buildGraph(result.model))).base.macs);
    expect(result.model.graph!.input.some((i) => i.name === EPSILON_INPUT)).toBe(false);
  });

  it('rewinding: the gates choose the channels, and recovery starts from the unpruned weights without them', { timeout: 120_000 }, async () => {
    const result = await learnGates({ runner: nodeRunner, model, images, analysis, settings: { ...DEFAULT_GATES_SETTINGS, keep: 0.6, epochs: 1, fineTune: 0, refitImages: 0, rewind: true, batchSize: 32, heldOutFraction: 0.25 } });
    expect(Object.keys(result.plan.groups).length).toBeGreaterThan(0);
    const rewound = applyPlan(model, result.plan, analysis);
    expect(maxDiff(await run(result.model, { [input]: batch }), await run(rewound, { [input]: batch }))).toBe(0);
    // The gated model still folds exactly; its trained weights are what rewinding leaves out.
    const gated = await run(result.gated.model, { [input]: batch, ...eps(result.gated.epsilon) });
    expect(maxDiff(gated, await run(result.removed, { [input]: batch }))).toBeLessThan(1e-4);
    expect(maxDiff(gated, await run(result.model, { [input]: batch }))).toBeGreaterThan(1e-3);
  });
});
