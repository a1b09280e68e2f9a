// Distillation on a real export (the demo ResNet-8, torch.onnx) and real images (the bundled
// calibration PNGs), on onnxruntime-node: the loop lowers the loss, keeps the best epoch, and ends
// early the three ways it can (non-finite loss, stop, out of memory) without losing the best model.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { applyPlan } from '../prune/apply.js';
import { planPrune } from '../prune/planner.js';
import { referenceOutputs } from '../score/metric.js';
import type { ModelRunner } from '../score/runner.js';
import { loadRepoModel, nodeRunner, REPO_ROOT } from '../score/test-utils/ort-runner.js';
import { loadImageBatches } from '../../cli/data/score-images.js';
import { distill, DEFAULT_DISTILL_SETTINGS, type DistillSettings } from './distill.js';
import { trainingImages } from './images.js';
import { parametersAsInputs, readParameters } from './parameter-inputs.js';

const teacher = loadRepoModel('public/models/fmnist-resnet8.onnx');
const analysis = analyseChannels(buildGraph(teacher));
const student = applyPlan(teacher, planPrune(teacher, analysis, { ratio: 0.4 }), analysis);
const batches = loadImageBatches(teacher, join(REPO_ROOT, 'public/samples/calibration'), REPO_ROOT, { limit: 192, batchSize: 32 }).batches;
const images = trainingImages(batches.map((b) => ({ feeds: b.feeds })));
const settings: DistillSettings = { ...DEFAULT_DISTILL_SETTINGS, epochs: 3, batchSize: 32, lr: 3e-3, heldOutFraction: 0.25 };

describe('distill', () => {
  it('lowers the held-out loss on a real export and returns the best epoch’s weights', async () => {
    const result = await distill({ runner: nodeRunner, teacher, student, images, settings });
    expect(result.stoppedBy).toBe('done');
    expect(result.history).toHaveLength(4);
    const start = result.history[0]!.heldOutLoss;
    const best = result.history[result.bestEpoch]!.heldOutLoss;
    expect(result.bestEpoch).toBeGreaterThan(0);
    expect(best).toBeLessThan(start * 0.8);
    expect(result.history[3]!.trainLoss!).toBeLessThan(result.history[1]!.trainLoss!);
    expect(result.images).toEqual({ train: 144, heldOut: 48, labelled: false });
    // The written model is the student with the best parameters: same outputs as the forward
    // model fed those parameters, and the student itself is untouched.
    const names = result.parameters;
    const forward = parametersAsInputs(student, names);
    const feeds = { ...batches[0]!.feeds, ...Object.fromEntries([...readParameters(result.model, names)]) };
    const [viaFeeds] = await referenceOutputs(forward, nodeRunner, [{ feeds }]);
    const [written] = await referenceOutputs(result.model, nodeRunner, [batches[0]!]);
    viaFeeds!.logits!.data.forEach((v, i) => expect(written!.logits!.data[i]).toBeCloseTo(v, 4));
  }, 120_000);

  it('refuses a model whose weights are all quantized, saying what to do instead', async () => {
    const quantized = loadRepoModel('tools/fixtures/models/quant-qdq.onnx');
    await expect(distill({ runner: nodeRunner, teacher: quantized, student: quantized, images, settings })).rejects.toThrow(/no float32 weights to train .*lsq or bias instead/);
  });

  it('mixes in cross-entropy when every image is labelled', async () => {
    // The labelled samples (class folders); the test images are only trained on here, never measured.
    const labelled = trainingImages(loadImageBatches(teacher, join(REPO_ROOT, 'public/samples/test'), REPO_ROOT, { limit: 64, batchSize: 32 }).batches);
    expect(labelled.labels).toHaveLength(64);
    const result = await distill({ runner: nodeRunner, teacher, student, images: labelled, settings: { ...settings, epochs: 1 } });
    expect(result.images.labelled).toBe(true);
    expect(Number.isFinite(result.history[1]!.trainLoss)).toBe(true);
  }, 120_000);

  it('stops on a non-finite loss and restores the best weights, saying so', async () => {
    const result = await distill({ runner: nodeRunner, teacher, student, images, settings: { ...settings, lr: 1e9, schedule: 'constant' } });
    expect(result.stoppedBy).toBe('non-finite');
    expect(result.note).toMatch(/restored the best parameters \(epoch 0\)\. Try a lower learning rate/);
    expect(result.bestEpoch).toBe(0);
    const start = readParameters(student, result.parameters);
    for (const [name, v] of result.params) expect(v).toEqual(start.get(name)!.data);
  }, 120_000);

  it('a stop keeps the best parameters so far', async () => {
    const stop = { aborted: false };
    const result = await distill({ runner: nodeRunner, teacher, student, images, settings, signal: stop, onEpoch: (e) => { if (e.epoch === 1) stop.aborted = true; } });
    expect(result.stoppedBy).toBe('cancelled');
    expect(result.history).toHaveLength(2);
    expect(result.note).toMatch(/cancelled in epoch 2; kept the best parameters so far/);
  }, 120_000);

  it('a gate holds the loop (no step runs while it is pending), and a stop while held ends it without another step', async () => {
    const stop = { aborted: false };
    let steps = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const gate = () => (steps === 2 ? held : Promise.resolve());
    const run = distill({ runner: nodeRunner, teacher, student, images, settings, signal: stop, gate, onStep: () => steps++ });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    while (steps < 2) await sleep(50);
    await sleep(1500); // held: no step may run meanwhile
    expect(steps).toBe(2);
    stop.aborted = true;
    release();
    const result = await run;
    expect(steps).toBe(2);
    expect(result.stoppedBy).toBe('cancelled');
    expect(result.note).toMatch(/cancelled in epoch 1; kept the best parameters so far \(epoch 0\)/);
  }, 120_000);

  it('halves the batch when the runtime runs out of memory, and goes on', async () => {
    // Fault injection on the real runtime: runs of more than 8 images fail the way onnxruntime does.
    const tight: ModelRunner = async (model) => {
      const opened = await nodeRunner(model);
      return { ...opened, inputNames: opened.inputNames, outputNames: opened.outputNames, release: () => opened.release(),
        run: (feeds, opts) => (Object.keys(feeds).some((k) => k.endsWith('__lossscale')) && feeds[images.input]!.dims[0]! > 8
          ? Promise.reject(new Error('std::bad_alloc')) : opened.run(feeds, opts)) };
    };
    const result = await distill({ runner: tight, teacher, student, images, settings: { ...settings, epochs: 1 } });
    expect(result.stoppedBy).toBe('done');
    expect(result.history[1]!.batchSize).toBe(8);
  }, 120_000);
});
