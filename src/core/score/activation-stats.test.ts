// Streaming statistics must equal the same statistics computed in one pass over all the data,
// whatever the batch split and the channel axis.
import { describe, expect, it } from 'vitest';
import { accumulateChannelStats, createChannelStats, mergeChannelStats, summarizeChannelStats } from './activation-stats.js';

/** Deterministic ReLU-like data: about a third exact zeros, the rest of both signs before clamping. */
function activations(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    const v = (s >>> 8) / 2 ** 24 - 0.3;
    return v < 0 ? 0 : v * 3;
  });
}

/** Reference: per-channel stats of an NCHW tensor by direct indexing. */
function reference(data: Float32Array, [n, c, h, w]: [number, number, number, number]) {
  const out = Array.from({ length: c }, () => ({ sum: 0, sq: 0, zeros: 0, l2: 0, count: 0 }));
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let mapSq = 0;
      for (let p = 0; p < h * w; p++) {
        const v = data[((i * c + ch) * h * w) + p]!;
        out[ch]!.sum += v;
        out[ch]!.sq += v * v;
        out[ch]!.zeros += v === 0 ? 1 : 0;
        out[ch]!.count++;
        mapSq += v * v;
      }
      out[ch]!.l2 += Math.sqrt(mapSq);
    }
  }
  return out;
}

describe('channel statistics', () => {
  const dims: [number, number, number, number] = [6, 4, 3, 5];
  const data = activations(6 * 4 * 3 * 5, 7);
  const per = 4 * 3 * 5;

  it('accumulated over batches of 2 equals the single-pass reference', () => {
    const stats = createChannelStats(4, 1);
    for (let b = 0; b < 3; b++) accumulateChannelStats(stats, data.subarray(b * 2 * per, (b + 1) * 2 * per), [2, 4, 3, 5]);
    const ref = reference(data, dims);
    const sum = summarizeChannelStats(stats);
    expect(stats.samples).toBe(6);
    ref.forEach((r, c) => {
      expect(stats.count[c]).toBe(r.count);
      expect(sum.mean[c]).toBeCloseTo(r.sum / r.count, 10);
      expect(sum.rms[c]).toBeCloseTo(Math.sqrt(r.sq / r.count), 10);
      expect(sum.apoz[c]).toBeCloseTo(r.zeros / r.count, 12);
      expect(sum.meanMapL2[c]).toBeCloseTo(r.l2 / 6, 10);
      expect(sum.meanAbs[c]).toBeCloseTo(r.sum / r.count, 10); // all values ≥ 0
    });
    // The data has zeros and non-zeros in every channel, so APoZ is a real fraction.
    expect(Array.from(sum.apoz).every((z) => z > 0.1 && z < 0.6)).toBe(true);
  });

  it('gives the same per-channel numbers for the NHWC layout of the same tensor (except map L2)', () => {
    const [n, c, h, w] = dims;
    const nhwc = new Float32Array(data.length);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) nhwc[(i * h * w + p) * c + ch] = data[(i * c + ch) * h * w + p]!;
    const a = createChannelStats(4, 1);
    accumulateChannelStats(a, data, dims);
    const b = createChannelStats(4, 3);
    accumulateChannelStats(b, nhwc, [n, h, w, c]);
    const sa = summarizeChannelStats(a);
    const sb = summarizeChannelStats(b);
    for (let ch = 0; ch < 4; ch++) {
      expect(sb.mean[ch]).toBeCloseTo(sa.mean[ch]!, 10);
      expect(sb.apoz[ch]).toBeCloseTo(sa.apoz[ch]!, 12);
      expect(sb.std[ch]).toBeCloseTo(sa.std[ch]!, 10);
    }
  });

  it('merges partial statistics into the whole', () => {
    const whole = createChannelStats(4);
    accumulateChannelStats(whole, data, dims);
    const a = createChannelStats(4);
    const b = createChannelStats(4);
    accumulateChannelStats(a, data.subarray(0, per), [1, 4, 3, 5]);
    accumulateChannelStats(b, data.subarray(per), [5, 4, 3, 5]);
    const merged = mergeChannelStats(a, b);
    expect(merged.samples).toBe(6);
    for (let ch = 0; ch < 4; ch++) {
      expect(merged.sumSquares[ch]).toBeCloseTo(whole.sumSquares[ch]!, 9);
      expect(merged.zeros[ch]).toBe(whole.zeros[ch]);
      expect(merged.sumMapL2[ch]).toBeCloseTo(whole.sumMapL2[ch]!, 9);
    }
  });

  it('rejects tensors that do not match the statistics, saying how', () => {
    const stats = createChannelStats(4);
    expect(() => accumulateChannelStats(stats, new Float32Array(24), [2, 3, 4])).toThrow(/3 channels on axis 1.*created for 4/);
    expect(() => accumulateChannelStats(stats, new Float32Array(10), [2, 4, 3])).toThrow(/10 values/);
    expect(() => accumulateChannelStats(createChannelStats(4, 5), new Float32Array(8), [2, 4])).toThrow(/outside/);
  });
});
