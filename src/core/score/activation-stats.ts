// Per-channel activation statistics, accumulated batch by batch so capture never holds every
// activation of every image: a running count, sum, sum of squares, sum of |a|, zero count and the
// sum over samples of each channel map's L2 norm. Scores such as APoZ, mean |a| and L2 derive from these.

/** Running sums for one captured tensor. All arrays have one entry per channel. */
export interface ChannelStats {
  channels: number;
  /** Axis of the tensor that holds the channels (1 for NCHW / [N, C], 3 for NHWC). */
  channelAxis: number;
  /** Samples seen: the product of the dims before the channel axis (the batch, for NCHW). */
  samples: number;
  /** Elements seen per channel. */
  count: Float64Array;
  sum: Float64Array;
  sumSquares: Float64Array;
  sumAbs: Float64Array;
  /** Elements exactly 0 (after ReLU: the "percentage of zeros" of APoZ). */
  zeros: Float64Array;
  /** Σ over samples of the L2 norm of that sample's channel map. */
  sumMapL2: Float64Array;
}

/** Derived per-channel summaries of a ChannelStats. */
export interface ChannelSummary {
  mean: Float64Array;
  meanAbs: Float64Array;
  /** sqrt(E[a²]). */
  rms: Float64Array;
  std: Float64Array;
  /** Average Percentage of Zeros, as a fraction in [0, 1]. */
  apoz: Float64Array;
  /** Mean over samples of the channel map's L2 norm. */
  meanMapL2: Float64Array;
}

/** Empty statistics for a tensor with `channels` channels along `channelAxis`. */
export function createChannelStats(channels: number, channelAxis = 1): ChannelStats {
  const zeros = () => new Float64Array(channels);
  return { channels, channelAxis, samples: 0, count: zeros(), sum: zeros(), sumSquares: zeros(), sumAbs: zeros(), zeros: zeros(), sumMapL2: zeros() };
}

/** Adds one batch of a captured tensor (row-major `data` of shape `dims`) to `stats`. */
export function accumulateChannelStats(stats: ChannelStats, data: Float32Array, dims: readonly number[]): void {
  const axis = stats.channelAxis;
  if (axis < 0 || axis >= dims.length) throw new Error(`channel axis ${axis} is outside a tensor of shape [${dims.join(', ')}]`);
  if (dims[axis] !== stats.channels) {
    throw new Error(`tensor of shape [${dims.join(', ')}] has ${dims[axis]} channels on axis ${axis}, statistics were created for ${stats.channels}`);
  }
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = stats.channels;
  if (outer * channels * inner !== data.length) throw new Error(`tensor data has ${data.length} values, its shape [${dims.join(', ')}] says ${outer * channels * inner}`);
  const { count, sum, sumSquares, sumAbs, zeros, sumMapL2 } = stats;
  if (inner === 1) {
    // Channels-last (or [N, C]): consecutive values belong to different channels; each value is its own map.
    for (let o = 0, i = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++, i++) {
        const v = data[i]!;
        const abs = v < 0 ? -v : v;
        sum[c]! += v;
        sumSquares[c]! += v * v;
        sumAbs[c]! += abs;
        sumMapL2[c]! += abs;
        if (v === 0) zeros[c]!++;
      }
    }
    for (let c = 0; c < channels; c++) count[c]! += outer;
  } else {
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++) {
        const start = (o * channels + c) * inner;
        let s = 0;
        let sq = 0;
        let ab = 0;
        let z = 0;
        // Branch-free body: ReLU outputs are zero about half the time, in no predictable pattern.
        for (let i = start, end = start + inner; i < end; i++) {
          const v = data[i]!;
          s += v;
          sq += v * v;
          ab += Math.abs(v);
          z += v === 0 ? 1 : 0;
        }
        sum[c]! += s;
        sumSquares[c]! += sq;
        sumAbs[c]! += ab;
        zeros[c]! += z;
        sumMapL2[c]! += Math.sqrt(sq);
        count[c]! += inner;
      }
    }
  }
  stats.samples += outer;
}

/** Sums two statistics of the same tensor (e.g. from two workers) into a new one. */
export function mergeChannelStats(a: ChannelStats, b: ChannelStats): ChannelStats {
  if (a.channels !== b.channels || a.channelAxis !== b.channelAxis) throw new Error('cannot merge statistics of differently shaped tensors');
  const add = (x: Float64Array, y: Float64Array) => x.map((v, i) => v + y[i]!);
  return {
    channels: a.channels,
    channelAxis: a.channelAxis,
    samples: a.samples + b.samples,
    count: add(a.count, b.count),
    sum: add(a.sum, b.sum),
    sumSquares: add(a.sumSquares, b.sumSquares),
    sumAbs: add(a.sumAbs, b.sumAbs),
    zeros: add(a.zeros, b.zeros),
    sumMapL2: add(a.sumMapL2, b.sumMapL2),
  };
}

/** Per-channel means, RMS, std, APoZ and mean map L2 from the running sums (0 where nothing was seen). */
export function summarizeChannelStats(stats: ChannelStats): ChannelSummary {
  const per = (f: (c: number, n: number) => number) => Float64Array.from({ length: stats.channels }, (_, c) => (stats.count[c]! > 0 ? f(c, stats.count[c]!) : 0));
  const mean = per((c, n) => stats.sum[c]! / n);
  return {
    mean,
    meanAbs: per((c, n) => stats.sumAbs[c]! / n),
    rms: per((c, n) => Math.sqrt(stats.sumSquares[c]! / n)),
    std: per((c, n) => Math.sqrt(Math.max(0, stats.sumSquares[c]! / n - mean[c]! ** 2))),
    apoz: per((c, n) => stats.zeros[c]! / n),
    meanMapL2: Float64Array.from(stats.sumMapL2, (v) => (stats.samples > 0 ? v / stats.samples : 0)),
  };
}
