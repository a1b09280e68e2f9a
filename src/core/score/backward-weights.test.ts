import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { trainableParameters } from '../train/parameters.js';
import { buildBackwardModel, KD_WEIGHT_SUFFIX, LABEL_SUFFIX, LOSS_SCALE_SUFFIX } from './backward.js';
import type { TaskKind } from './loss-task.js';
import type { Feeds, Float32Tensor } from './runner.js';
import { withModel } from './runner.js';
import { expectParameterGradients, relativeError, type ParameterReference } from './test-utils/finite-diff.js';
import { loadRepoModel, loadScoreFixture, nodeRunner, seededRandom } from './test-utils/ort-runner.js';

const TOLERANCE = 1e-3;

/** Float64 references from test-data/param_grads.py: central finite differences of the loss w.r.t. each parameter. */
interface ParamCase {
  model: string;
  input: { name: string; dims: number[]; data: number[] };
  targets: Record<string, { dims: number[]; data: number[]; task: TaskKind }>;
  /** The float64 forward outputs (pins the reference interpreter to onnxruntime). */
  outputs: Record<string, number[]>;
  defaultTrainable: string[];
  params: Record<string, ParameterReference>;
}
const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCES = JSON.parse(readFileSync(join(HERE, 'test-data/reference-param-grads.json'), 'utf8')) as ParamCase[];
const reference = (model: string) => REFERENCES.find((r) => r.model === model)!;
const load = (name: string): ModelProto => (name.startsWith('public/') ? loadRepoModel(name) : loadScoreFixture(name));

/** The current values of initializers, as the training loop feeds them. */
function parameterFeeds(model: ModelProto, names: readonly string[]): Feeds {
  const feeds: Feeds = {};
  for (const name of names) {
    const t = model.graph!.initializer.find((i) => i.name === name)!;
    feeds[name] = { dims: tensorDims(t), data: tensorToFloat32(t) };
  }
  return feeds;
}

async function checkAgainstReference(ref: ParamCase): Promise<void> {
  const model = load(ref.model);
  expect(trainableParameters(model), 'trainableParameters').toEqual(ref.defaultTrainable);
  const names = Object.keys(ref.params);
  const tasks = Object.fromEntries(Object.entries(ref.targets).map(([out, t]) => [out, t.task]));
  const bw = buildBackwardModel(model, { activations: [], trainable: names, tasks });
  expect(bw.model.graph!.initializer.some((t) => names.includes(t.name)), 'trained initializers are inputs now').toBe(false);
  const feeds: Feeds = { [ref.input.name]: { dims: ref.input.dims, data: Float32Array.from(ref.input.data) }, ...parameterFeeds(model, names) };
  for (const [out, t] of Object.entries(ref.targets)) feeds[bw.targetOf.get(out)!] = { dims: t.dims, data: Float32Array.from(t.data) };
  const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
  for (const [out, values] of Object.entries(ref.outputs)) expect(relativeError(result[out]!.data, values), `forward "${out}"`).toBeLessThan(1e-5);
  expectParameterGradients(result, bw.parameterGradientOf, ref.params, (p) => feeds[p]!.dims, TOLERANCE);
}

describe('parameter gradients match float64 finite differences', () => {
  it('Conv strided + dilated + asymmetric pads, grouped SAME_UPPER 3×2 Conv, PRelu slope [C, 1, 1], depthwise strided SAME_LOWER Conv, grouped ConvTranspose with output_padding, BN γ/β, Gemm transB (weights and biases)', async () => {
    await checkAgainstReference(reference('conv-params.onnx'));
  });
  it('a ViT\'s parameters outside its linear layers: a class token through a data-shaped Expand, a position embedding, a decomposed LayerNorm\'s γ (Mul) and β (Add, first operand), a MatMul bias on Add; a scalar Mul stays constant', async () => {
    const ref = reference('token-params.onnx');
    expect(ref.defaultTrainable).toEqual(['cls', 'pos', 'ln.w', 'ln.b', 'fc1.w', 'fc1.b', 'head.w', 'head.b']);
    await checkAgainstReference(ref);
  });
  it('MatMul with a 3-D left operand, a trainable bias on Add, Gemm transA with α, β and a [1, N] C, BN γ/β and PRelu slope on [N, C], Gemm transB (opset 11)', async () => {
    await checkAgainstReference(reference('linear-params.onnx'));
  });
  it('InstanceNormalization (∂X through the per-image, per-channel statistics; scale and bias train) after a padded Conv and a 1×1 Conv', async () => {
    const ref = reference('instance-norm-params.onnx');
    expect(ref.defaultTrainable).toEqual(['c1.w', 'in1.scale', 'in1.bias', 'c2.w', 'in2.scale', 'in2.bias', 'fc.w', 'fc.b']);
    await checkAgainstReference(ref);
  });
  it('1-D Conv (strided, padded, dilated) and 1-D ConvTranspose with output_padding; L2 loss on a dense output', async () => {
    await checkAgainstReference(reference('conv1d-params.onnx'));
  });
  it('demo model fmnist-resnet8-bn: every Conv weight, BN γ/β (one β tied through Identity) and the Gemm', async () => {
    const ref = reference('public/models/fmnist-resnet8-bn.onnx');
    expect(Object.keys(ref.params).length).toBeGreaterThan(20);
    await checkAgainstReference(ref);
  });
});

describe('parameter gradients on every demo model', () => {
  for (const file of ['fmnist-resnet8.onnx', 'fmnist-resnet8-bn.onnx', 'fmnist-squeezenet.onnx', 'fmnist-vgg.onnx', 'fmnist-vit.onnx']) {
    it(`${file}: one session gives a finite gradient of each parameter's dims`, async () => {
      const model = loadRepoModel(`public/models/${file}`);
      const names = trainableParameters(model);
      const weights = model.graph!.initializer.filter((t) => t.dataType === 1 && !/running_|num_batches/.test(t.name) && t.dims.length > 0);
      expect(names.length).toBeGreaterThan(0);
      // Every float initializer of a Conv/Gemm/BN γβ is listed; running statistics never are.
      for (const n of names) expect(weights.some((w) => w.name === n), n).toBe(true);
      const bw = buildBackwardModel(model, { activations: [], trainable: names, temperature: 4 });
      const random = seededRandom(3);
      const feeds: Feeds = { input: { dims: [2, 1, 28, 28], data: Float32Array.from({ length: 2 * 28 * 28 }, () => random()) }, ...parameterFeeds(model, names) };
      feeds[bw.targetOf.get('logits')!] = { dims: [2, 10], data: new Float32Array(20).fill(0.1) };
      const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
      let nonZero = 0;
      for (const n of names) {
        const g = result[bw.parameterGradientOf.get(n)!]!;
        expect(g.dims, n).toEqual(feeds[n]!.dims);
        expect(g.data.every(Number.isFinite), n).toBe(true);
        if (g.data.some((v) => v !== 0)) nonZero++;
      }
      expect(nonZero).toBe(names.length);
    });
  }
});

describe('trained parameters are read from the feeds, never folded in', () => {
  it('fresh weights fed to one session give the gradients of a model built with those weights', async () => {
    const model = loadRepoModel('public/models/fmnist-resnet8-bn.onnx');
    const names = trainableParameters(model);
    const random = seededRandom(5);
    const fresh = parameterFeeds(model, names);
    for (const t of Object.values(fresh)) t.data = t.data.map((v) => v * (0.8 + 0.4 * random()) + 0.05 * (random() - 0.5));
    // The same weights written into the initializers of a copy.
    const copy = loadRepoModel('public/models/fmnist-resnet8-bn.onnx');
    for (const t of copy.graph!.initializer) if (fresh[t.name]) Object.assign(t, makeTensor(t.name, fresh[t.name]!.dims, 1, fresh[t.name]!.data));
    const act = model.graph!.node.find((n) => n.opType === 'Relu')!.output[0]!;
    const input: Float32Tensor = { dims: [2, 1, 28, 28], data: Float32Array.from({ length: 2 * 784 }, () => random()) };
    const target: Float32Tensor = { dims: [2, 10], data: new Float32Array(20).fill(0.1) };
    const run = async (m: ModelProto, params: Feeds) => {
      const bw = buildBackwardModel(m, { activations: [act], trainable: names });
      const result = await withModel(nodeRunner, bw.model, (s) => s.run({ input, [bw.targetOf.get('logits')!]: target, ...params }));
      return { act: result[bw.gradientOf.get(act)!]!.data, params: names.map((n) => result[bw.parameterGradientOf.get(n)!]!.data) };
    };
    const fed = await run(model, fresh);
    const built = await run(copy, parameterFeeds(copy, names));
    const stale = await run(model, parameterFeeds(model, names));
    expect(relativeError(fed.act, built.act)).toBeLessThan(1e-5);
    names.forEach((n, i) => expect(relativeError(fed.params[i]!, built.params[i]!), n).toBeLessThan(1e-5));
    expect(relativeError(stale.act, built.act), 'the perturbation matters').toBeGreaterThan(1e-2);
  });
});

/** Per image/pixel softmax over axis 1 of [N, C, …] at temperature t. */
function softmaxAxis1(x: Float32Tensor, t: number): Float64Array {
  const [n, c] = x.dims as [number, number];
  const inner = x.data.length / (n * c);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++) for (let s = 0; s < inner; s++) {
    const at = (k: number) => (i * c + k) * inner + s;
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, x.data[at(k)]! / t);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(x.data[at(k)]! / t - max);
    for (let k = 0; k < c; k++) out[at(k)] = Math.exp(x.data[at(k)]! / t - max) / sum;
  }
  return out;
}

/** The training loss of one class output: scale·[w·T²·KL(target ‖ softmax(s/T)) + (1 − w)·CE(label, softmax(s))], in float64. */
function trainingLoss(s: Float32Tensor, target: Float32Array, label: Float32Array, t: number, w: number, scale: number): number {
  const pT = softmaxAxis1(s, t);
  const p1 = softmaxAxis1(s, 1);
  let kl = 0;
  let ce = 0;
  for (let i = 0; i < s.data.length; i++) {
    if (target[i]! > 0) kl += target[i]! * (Math.log(target[i]!) - Math.log(pT[i]!));
    if (label[i]! > 0) ce -= label[i]! * Math.log(p1[i]!);
  }
  return scale * (w * t * t * kl + (1 - w) * ce);
}

describe('training loss heads', () => {
  it('temperature, labels and per-output loss scale: ∂C/∂logits is the closed form and the derivative of T²·KL mixed with CE', async () => {
    const model = loadRepoModel('tools/fixtures/models/multi-task.onnx');
    const T = 3;
    const bw = buildBackwardModel(model, { activations: ['logits', 'reconstruction'], temperature: T, labels: true, lossScaleInputs: true });
    const inputs = new Set(bw.model.graph!.input.map((i) => i.name));
    for (const name of [`logits${LABEL_SUFFIX}`, `logits${KD_WEIGHT_SUFFIX}`, `logits${LOSS_SCALE_SUFFIX}`, `reconstruction${LOSS_SCALE_SUFFIX}`]) expect(inputs.has(name), name).toBe(true);
    expect(inputs.has(`reconstruction${LABEL_SUFFIX}`), 'dense outputs take no labels').toBe(false);
    const random = seededRandom(7);
    const n = 2;
    const teacher: Float32Tensor = { dims: [n, 10], data: Float32Array.from({ length: n * 10 }, () => 4 * random() - 2) };
    const target = Float32Array.from(softmaxAxis1(teacher, T));
    const label = new Float32Array(n * 10);
    label[3] = 1;
    label[10 + 8] = 1;
    const recTarget = Float32Array.from({ length: n * 28 * 28 }, () => random());
    const [w, clsScale, recScale] = [0.7, 0.25, 2];
    const feeds: Feeds = {
      input: { dims: [n, 1, 28, 28], data: Float32Array.from({ length: n * 28 * 28 }, () => random()) },
      [bw.targetOf.get('logits')!]: { dims: [n, 10], data: target },
      [`logits${LABEL_SUFFIX}`]: { dims: [n, 10], data: label },
      [`logits${KD_WEIGHT_SUFFIX}`]: { dims: [1], data: Float32Array.of(w) },
      [`logits${LOSS_SCALE_SUFFIX}`]: { dims: [], data: Float32Array.of(clsScale) },
      [`reconstruction${LOSS_SCALE_SUFFIX}`]: { dims: [1], data: Float32Array.of(recScale) },
      [bw.targetOf.get('reconstruction')!]: { dims: [n, 1, 28, 28], data: recTarget },
    };
    const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
    const s = result['logits']!;
    const g = result[bw.gradientOf.get('logits')!]!.data;
    const pT = softmaxAxis1(s, T);
    const p1 = softmaxAxis1(s, 1);
    const closed = Array.from(s.data, (_, i) => clsScale * (w * T * (pT[i]! - target[i]!) + (1 - w) * (p1[i]! - label[i]!)));
    expect(relativeError(g, closed)).toBeLessThan(1e-5);
    // Central differences of the stated loss in float64 at the logits onnxruntime computed.
    const eps = 1e-4;
    const fd = Array.from(s.data, (_, i) => {
      const at = (d: number) => {
        const shifted = Float32Array.from(s.data);
        shifted[i] = shifted[i]! + d;
        return trainingLoss({ dims: s.dims, data: shifted }, target, label, T, w, clsScale);
      };
      return (at(eps) - at(-eps)) / (2 * eps);
    });
    expect(relativeError(g, fd)).toBeLessThan(1e-3);
    // Dense outputs: ∂C/∂y = scale·(y − target) whatever the temperature (the head's input is the Sigmoid's output).
    const rec = result['reconstruction']!.data;
    const recGrad = result[bw.gradientOf.get('reconstruction')!]!.data;
    expect(relativeError(recGrad, Array.from(rec, (v, i) => recScale * (v - recTarget[i]!)))).toBeLessThan(1e-5);
  });

  it('segmentation outputs at a temperature: T·(softmax over the class axis at T − target) per pixel', async () => {
    const model = loadScoreFixture('two-heads-opset17.onnx');
    const T = 2.5;
    const bw = buildBackwardModel(model, { activations: ['seg'], lossOutputs: ['seg'], temperature: T });
    const random = seededRandom(11);
    const target = Float32Array.from({ length: 2 * 2 * 64 }, () => random());
    for (let i = 0; i < 2; i++) for (let p = 0; p < 64; p++) {
      const a = i * 128 + p;
      const sum = target[a]! + target[a + 64]!;
      target[a] = target[a]! / sum;
      target[a + 64] = target[a + 64]! / sum;
    }
    const feeds: Feeds = { input: { dims: [2, 1, 8, 8], data: Float32Array.from({ length: 128 }, () => random()) }, [bw.targetOf.get('seg')!]: { dims: [2, 2, 8, 8], data: target } };
    const result = await withModel(nodeRunner, bw.model, (m) => m.run(feeds));
    const pT = softmaxAxis1(result['seg']!, T);
    expect(relativeError(result[bw.gradientOf.get('seg')!]!.data, Array.from(pT, (p, i) => T * (p - target[i]!)))).toBeLessThan(1e-5);
  });
});

describe('trainable parameters: refusals', () => {
  it('names what is wrong: not an initializer, not float32, a frozen BN statistic, a bad temperature', () => {
    const linear = loadScoreFixture('linear-params.onnx');
    expect(() => buildBackwardModel(linear, { activations: [], trainable: ['nope'] })).toThrow(/trainable "nope" is not an initializer/);
    expect(() => buildBackwardModel(linear, { activations: [], trainable: ['shape'] })).toThrow(/"shape" is INT64; only float32 initializers can be trained/);
    expect(() => buildBackwardModel(linear, { activations: [], trainable: ['g2.w'], temperature: 0 })).toThrow(/temperature 0/);
    const conv = loadScoreFixture('conv-params.onnx');
    expect(() => buildBackwardModel(conv, { activations: [], trainable: ['bn.var'] })).toThrow(/BatchNormalization .*frozen statistics/);
  });
});
