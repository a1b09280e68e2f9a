// Bias correction for BN-fused models: a removed input channel used to add, on average,
// mean(a_c) × Σ_kernel W[m, c] to every output of consumer m. Adding exactly that to the consumer's
// bias restores the mean of its outputs (away from padded borders). Means are measured on the
// calibration images in the unpruned model.
import { attrInts } from '../graph/attributes.js';
import { buildGraph } from '../graph/ir.js';
import { captureTensors, channelMoments, constantInput, nodeNamed, NOT_REFITTABLE, refittableWeight, writeNodeInputs } from './common.js';
import { layerGeometry } from './layer-geometry.js';
import { prunedInputLayers } from './pruned-inputs.js';
import type { Recovery, RecoveryJob, RecoveryStep } from './recovery.js';

/** Proposes, per layer that lost input channels, the bias that restores its mean output. */
async function* correctBiases({ original, analysis, plan, model: pruned, ctx, onProgress }: RecoveryJob): AsyncGenerator<RecoveryStep> {
  const layers = prunedInputLayers(analysis, plan);
  if (!layers.length) return;
  const captured = await captureTensors(original, [...new Set(layers.map((l) => l.input))], ctx);
  for (const [li, layer] of layers.entries()) {
    const id = layer.node.name || layer.node.opType;
    const target = nodeNamed(pruned, layer.node.name);
    if (!target) {
      yield { node: id, skipped: 'no node of that name in the pruned model' };
      continue;
    }
    const w = refittableWeight(analysis.ir, layer.node);
    if (!w) {
      yield { node: id, skipped: NOT_REFITTABLE };
      continue;
    }
    const { mean } = channelMoments(captured.map((c) => c[layer.input]!));
    const geo = layerGeometry(layer.node, w.dims);
    if (!geo) {
      yield { node: id, skipped: `${layer.node.opType} with this layout is not corrected` };
      continue;
    }
    // A transposed conv spreads each input pixel's taps over stride² outputs: on average an
    // output receives 1/stride² of them.
    const spread = geo.op === 'ConvTranspose' ? attrInts(layer.node, 'strides', []).reduce((a, v) => a * v, 1) : 1;
    const shift = new Float64Array(geo.outputs);
    for (const c of layer.removed) {
      for (let o = 0; o < geo.outputs; o++) {
        let s = 0;
        for (let q = 0; q < geo.kernel; q++) {
          const at = geo.index(o, c, q);
          if (at >= 0) s += w.data[at]!;
        }
        shift[o] = shift[o]! + (mean[c]! * s) / spread;
      }
    }
    const prunedIr = buildGraph(pruned);
    let bias: Float32Array;
    try {
      bias = target.input[2] ? constantInput(prunedIr, target, 2).data : new Float32Array(layer.keptOutputs.length);
    } catch (err) {
      yield { node: id, skipped: (err as Error).message };
      continue;
    }
    if (layer.keptOutputs.length !== bias.length) {
      yield { node: id, skipped: `pruned layer has ${bias.length} outputs, expected ${layer.keptOutputs.length}` };
      continue;
    }
    yield {
      node: id,
      apply: () => writeNodeInputs(pruned, target, [{ index: 2, dims: [bias.length], data: bias.map((b, o) => b + shift[layer.keptOutputs[o]!]!) }]),
      worse: 'the correction raised the calibration loss',
    };
    onProgress?.(li + 1, layers.length);
  }
}

export const biasRecovery: Recovery<'bias'> = {
  id: 'bias',
  name: 'bias correction',
  description: 'Bias correction: shifts each next layer’s bias to restore the mean output lost with the removed channels.',
  run: correctBiases,
};
