// The shared training loop on a one-parameter problem (loss w², gradient 2w) with a stand-in runner,
// so the loop's own rules can be driven exactly: a learning rate far too high diverges without
// overflowing, and the loop restarts from the best parameters at lower rates instead of training on
// garbage (or stops, keeping the best, when it keeps diverging).
import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../onnx/proto.js';
import type { Feeds, Float32Tensor, ModelRunner } from '../score/runner.js';
import { train, type TrainJob, type TrainSettings } from './trainer.js';

const trainingModel = {} as ModelProto;
const forwardModel = {} as ModelProto;

/** Runs the "training model" (loss w² per image and its summed gradient) and the "forward model" (w²). */
const runner: ModelRunner = async (model) => ({
  inputNames: [],
  outputNames: [],
  release: async () => {},
  run: async (feeds: Feeds): Promise<Record<string, Float32Tensor>> => {
    const w = feeds.w!.data[0]!;
    const n = feeds.x!.dims[0]!;
    return model === trainingModel
      ? { loss: { dims: [1], data: Float32Array.of(n * w * w) }, grad: { dims: [1], data: Float32Array.of(n * 2 * w) } }
      : { heldOut: { dims: [1], data: Float32Array.of(w * w) } };
  },
});

function job(settings: Partial<TrainSettings>, w0 = 3): TrainJob {
  return {
    runner, trainingModel, forwardModel,
    gradientOf: new Map([['w', 'grad']]),
    params: new Map([['w', { dims: [1], data: Float32Array.of(w0) }]]),
    images: { input: 'x', dims: [1, 1, 1], images: Array.from({ length: 8 }, () => Float32Array.of(0)) },
    train: [0, 1, 2, 3, 4, 5, 6, 7],
    objective: {
      targets: async () => ({}),
      loss: (out) => out.loss!.data[0]!,
      heldOut: async (run) => ({ loss: (await run({ dims: [1, 1, 1, 1], data: Float32Array.of(0) })).heldOut!.data[0]! }),
    },
    settings: { epochs: 12, batchSize: 2, lr: 5, optimizer: 'sgd', schedule: 'constant', augmentation: { flip: false, shift: 0 }, seed: 0, ...settings },
  };
}

describe('train: divergence without overflow', () => {
  it('restarts from the best parameters at a quarter of the rate, twice at most, and then converges', async () => {
    const result = await train(job({}));
    expect(result.stoppedBy).toBe('done');
    expect(result.note).toMatch(/training diverged, so it went on from epoch 0's parameters at a quarter of the learning rate/);
    expect(result.note!.match(/training diverged/g)).toHaveLength(2);
    expect(result.history[1]!.heldOutLoss).toBeGreaterThan(90); // epoch 1 at lr 5: far above the start (9)
    const best = result.history[result.bestEpoch]!.heldOutLoss;
    expect(best).toBeLessThan(1e-2);
    expect(Math.abs(result.params.get('w')![0]!)).toBeLessThan(0.1);
    expect(result.history.at(-1)!.lr).toBeCloseTo(5 / 16, 12);
  });

  it('stops with the best parameters when it still diverges after the restarts', async () => {
    const result = await train(job({ lr: 500 }));
    expect(result.stoppedBy).toBe('diverged');
    expect(result.note).toMatch(/again: stopped and kept the best parameters \(epoch 0\)\. Try a lower learning rate\./);
    expect(result.bestEpoch).toBe(0);
    expect(result.params.get('w')![0]).toBe(3);
    expect(result.history).toHaveLength(4); // the start and three diverging epochs
  });

  it('a loss that grows but stays tiny (a student least squares already fitted) is not called divergence', async () => {
    const result = await train(job({ epochs: 1, lr: 1.5 }, 1e-4));
    const [start, epoch1] = result.history.map((h) => h.heldOutLoss);
    expect(epoch1! / start!).toBeGreaterThan(10);
    expect(epoch1).toBeLessThan(1e-2);
    expect(result.note).toBeUndefined();
    expect(result.bestEpoch).toBe(0); // and the start is still what comes back
  });

  it('a well-chosen rate trains without any restart', async () => {
    const result = await train(job({ lr: 0.05 }));
    expect(result.stoppedBy).toBe('done');
    expect(result.note).toBeUndefined();
  });
});
