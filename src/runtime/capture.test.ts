// Capture on a real export: streamed statistics must equal statistics of the full activations
// fetched in one run, and cancellation must stop between batches.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { exposeTensors } from '../core/graph/expose.js';
import { accumulateChannelStats, createChannelStats, summarizeChannelStats } from '../core/score/activation-stats.js';
import { captureActivationStats, prepareCapture, type CaptureProgress } from './capture.js';
import { createSession, type Float32Tensor } from './session.js';

const model = decodeModel(readFileSync(new URL('./test-data/classifier.onnx', import.meta.url)), 'classifier.onnx');
const RELU1 = '/features/features.2/Relu_output_0';
const POOLED = '/features/features.8/Flatten_output_0';

function images(n: number, seed: number): Float32Tensor {
  let s = seed;
  const data = Float32Array.from({ length: n * 784 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24);
  return { dims: [n, 1, 28, 28], data };
}

describe('captureActivationStats', () => {
  it('streams batches into the same statistics as one big run, on wasm and cpu-node', async () => {
    const all = images(6, 3);
    const batches = [0, 1, 2].map((b) => ({ image: { dims: [2, 1, 28, 28], data: all.data.slice(b * 2 * 784, (b + 1) * 2 * 784) } }));
    const { session } = await createSession(encodeModel(exposeTensors(model, [RELU1, POOLED])), { backend: 'cpu-node' });
    const full = await session.run({ image: all });
    await session.release();
    const expected = createChannelStats(8);
    accumulateChannelStats(expected, full[RELU1]!.data, full[RELU1]!.dims);
    const want = summarizeChannelStats(expected);

    const pooled = createChannelStats(16);
    accumulateChannelStats(pooled, full[POOLED]!.data, full[POOLED]!.dims);
    const wantPooled = summarizeChannelStats(pooled);

    for (const backend of ['cpu-node', 'wasm'] as const) {
      for (const mode of ['graph', 'js'] as const) {
        const progress: CaptureProgress[] = [];
        const result = await captureActivationStats(model, [RELU1, { name: POOLED, channelAxis: 1 }], batches, {
          backend,
          mode,
          totalBatches: 3,
          onProgress: (p) => progress.push(p),
        });
        expect(result.mode).toBe(mode);
        expect(result.batches).toBe(3);
        expect(progress.map((p) => p.samples)).toEqual([2, 4, 6]);
        const relu = result.stats.get(RELU1)!;
        expect(relu.channels).toBe(8);
        expect(relu.samples).toBe(6);
        expect(Array.from(relu.count)).toEqual(Array.from(expected.count));
        const got = summarizeChannelStats(relu);
        for (let c = 0; c < 8; c++) {
          expect(got.mean[c], `${backend}/${mode} mean`).toBeCloseTo(want.mean[c]!, 4);
          expect(got.rms[c]).toBeCloseTo(want.rms[c]!, 4);
          expect(got.meanAbs[c]).toBeCloseTo(want.meanAbs[c]!, 4);
          expect(got.apoz[c]).toBeCloseTo(want.apoz[c]!, 2);
          expect(got.meanMapL2[c]).toBeCloseTo(want.meanMapL2[c]!, 3);
        }
        // ReLU outputs really have zeros: APoZ is not trivially 0.
        expect(Math.max(...got.apoz)).toBeGreaterThan(0.05);
        const p = summarizeChannelStats(result.stats.get(POOLED)!);
        expect(p.mean.length).toBe(16);
        for (let c = 0; c < 16; c++) expect(p.meanMapL2[c]).toBeCloseTo(wantPooled.meanMapL2[c]!, 4);
      }
    }
  });

  it('falls back to JS reduction, with the reason, where the graph cannot reduce', () => {
    const old = decodeModel(readFileSync('tools/fixtures/shape-only/view-chain-opset9.onnx'), 'view-chain-opset9');
    const relu = old.graph!.node.find((n) => n.opType === 'Relu')!.output[0]!;
    const prepared = prepareCapture(old, [relu]);
    expect(prepared.mode).toBe('js');
    expect(prepared.fallbackReason).toMatch(/opset 9 < 11/);
    expect(prepareCapture(model, [RELU1]).mode).toBe('graph');
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    let seen = 0;
    function* batches() {
      for (let i = 0; i < 100; i++) {
        seen++;
        if (i === 2) controller.abort();
        yield { image: images(1, i) };
      }
    }
    await expect(captureActivationStats(model, [RELU1], batches(), { backend: 'cpu-node', signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBe(3);
  });
});
