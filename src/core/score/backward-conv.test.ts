// The chunked im2col weight gradient (patches past PATCH_BUDGET floats per image): real
// onnxruntime runs of the generated graph against a direct float64 sum over the batch, positions
// and kernel offsets. The unchunked forms are checked against finite differences in
// backward-weights.test.ts.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { buildBackwardModel } from './backward.js';
import { PATCH_BUDGET } from './backward-conv.js';
import { withModel } from './runner.js';
import { nodeRunner, seededRandom } from './test-utils/ort-runner.js';
import { relativeError } from './test-utils/finite-diff.js';

interface Case { channels: number; out: number; group: number; size: number; dilation: number; stride: number }

/** dW[o, i, ky, kx] = Σ_n Σ_y gY[n, o, y] · x[n, g(o)·m + i, y·s + k·d − p] in float64 (3×3 kernel, pads = dilation). */
function directWeightGradient(c: Case, batch: number, x: Float32Array, gY: Float32Array, outSize: number): Float64Array {
  const m = c.channels / c.group;
  const perGroup = c.out / c.group;
  const dW = new Float64Array(c.out * m * 9);
  const pad = c.dilation;
  for (let n = 0; n < batch; n++) for (let o = 0; o < c.out; o++) for (let i = 0; i < m; i++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
    const ch = Math.floor(o / perGroup) * m + i;
    let sum = 0;
    for (let y = 0; y < outSize; y++) for (let xx = 0; xx < outSize; xx++) {
      const iy = y * c.stride + ky * c.dilation - pad;
      const ix = xx * c.stride + kx * c.dilation - pad;
      if (iy < 0 || ix < 0 || iy >= c.size || ix >= c.size) continue;
      sum += gY[((n * c.out + o) * outSize + y) * outSize + xx]! * x[((n * c.channels + ch) * c.size + iy) * c.size + ix]!;
    }
    dW[((o * m + i) * 3 + ky) * 3 + kx] = dW[((o * m + i) * 3 + ky) * 3 + kx]! + sum;
  }
  return dW;
}

async function check(c: Case): Promise<void> {
  const outSize = Math.floor((c.size - 1) / c.stride) + 1;
  const model = new GraphBuilder(13)
    .input('x', ['N', c.channels, c.size, c.size])
    .weight('w', [c.out, c.channels / c.group, 3, 3])
    .node('Conv', ['x', 'w'], ['y'], { group: c.group, pads: [c.dilation, c.dilation, c.dilation, c.dilation], dilations: [c.dilation, c.dilation], strides: [c.stride, c.stride] })
    .output('y')
    .build();
  // The patches of one image exceed the budget, so the gradient is built in chunks.
  expect((c.channels * 9 * outSize * outSize) / PATCH_BUDGET).toBeGreaterThan(1);
  const bw = buildBackwardModel(model, { activations: [], trainable: ['w'], tasks: { y: 'dense' } });
  expect(bw.model.graph!.node.filter((n) => n.opType === 'MatMul').length, 'chunked MatMuls').toBeGreaterThan(1);
  const batch = 2;
  const rand = seededRandom(5);
  const x = Float32Array.from({ length: batch * c.channels * c.size * c.size }, () => rand() * 2 - 1);
  const target = Float32Array.from({ length: batch * c.out * outSize * outSize }, () => rand() * 2 - 1);
  const w = tensorToFloat32(model.graph!.initializer.find((t) => t.name === 'w')!);
  const result = await withModel(nodeRunner, bw.model, (s) => s.run({
    x: { dims: [batch, c.channels, c.size, c.size], data: x },
    w: { dims: [c.out, c.channels / c.group, 3, 3], data: Float32Array.from(w) },
    [bw.targetOf.get('y')!]: { dims: [batch, c.out, outSize, outSize], data: target },
  }));
  // Dense loss ½‖y − t‖²: ∂C/∂y = y − t.
  const gY = Float32Array.from(result.y!.data, (v, i) => v - target[i]!);
  const want = directWeightGradient(c, batch, x, gY, outSize);
  expect(relativeError(result[bw.parameterGradientOf.get('w')!]!.data, want)).toBeLessThan(1e-4);
}

describe('chunked im2col weight gradient', () => {
  it('group 1: chunks of input channels, concatenated along the rows', async () => {
    await check({ channels: 128, out: 4, group: 1, size: 32, dilation: 1, stride: 1 });
  });
  it('group 2, dilated: chunks of whole groups, concatenated along the group axis', async () => {
    await check({ channels: 128, out: 6, group: 2, size: 32, dilation: 2, stride: 1 });
  });
  it('strided: the chunk size follows the output positions', async () => {
    await check({ channels: 512, out: 3, group: 1, size: 32, dilation: 1, stride: 2 });
  });
});
