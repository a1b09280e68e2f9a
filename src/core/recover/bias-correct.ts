// Bias correction for BN-fused models: a removed input channel used to add, on average,
// mean(a_c) × Σ_kernel W[m, c] to every output of consumer m. Adding exactly that to the consumer's
// bias restores the mean of its outputs (away from padded borders). Means are measured on the
// calibration images in the unpruned model; a layer whose correction raises the calibration loss
// keeps its original bias.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { attrInt } from '../graph/attributes.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { PrunePlan } from '../prune/plan.js';
import type { LayerOutcome, RecoveryContext } from './common.js';
import { calibrationLoss, captureTensors, channelMoments, constantInput, nodeNamed, setInitializer } from './common.js';
import { prunedInputLayers } from './pruned-inputs.js';

/** Corrects the biases of `pruned` (a private copy, edited in place) for the channels `plan` removed from `original`. */
export async function correctBiases(original: ModelProto, analysis: ChannelAnalysis, plan: PrunePlan, pruned: ModelProto, ctx: RecoveryContext, onLayer?: (done: number, total: number) => void): Promise<LayerOutcome[]> {
  const layers = prunedInputLayers(analysis, plan);
  const outcomes: LayerOutcome[] = [];
  if (!layers.length) return outcomes;
  const captured = await captureTensors(original, [...new Set(layers.map((l) => l.input))], ctx);
  let loss = await calibrationLoss(pruned, ctx);
  for (const [li, layer] of layers.entries()) {
    const id = layer.node.name || layer.node.opType;
    const target = nodeNamed(pruned, layer.node.name);
    if (!target) {
      outcomes.push({ node: id, action: 'skipped', reason: 'no node of that name in the pruned model' });
      continue;
    }
    const { mean } = channelMoments(captured.map((c) => c[layer.input]!));
    const w = constantInput(analysis.ir, layer.node, 1);
    // Gemm (transB = 0 stores W as [K, M]); Conv and Gemm transB = 1 as [M, K, ...].
    const transB = layer.node.opType === 'Gemm' && attrInt(layer.node, 'transB', 0) === 0;
    const m = transB ? w.dims[1]! : w.dims[0]!;
    const k = transB ? w.dims[0]! : w.dims[1]!;
    const kernel = w.data.length / (m * k);
    const shift = new Float64Array(m);
    for (const c of layer.removed) {
      for (let o = 0; o < m; o++) {
        let s = 0;
        if (transB) s = w.data[c * m + o]!;
        else for (let q = 0; q < kernel; q++) s += w.data[(o * k + c) * kernel + q]!;
        shift[o] = shift[o]! + mean[c]! * s;
      }
    }
    const prunedIr = buildGraph(pruned);
    let biasName = target.input[2];
    let bias: Float32Array;
    if (biasName) bias = constantInput(prunedIr, target, 2).data;
    else {
      biasName = `${target.name || target.output[0]}__bias`;
      bias = new Float32Array(layer.keptOutputs.length);
      target.input[2] = biasName;
    }
    const before = Float32Array.from(bias);
    if (layer.keptOutputs.length !== bias.length) {
      outcomes.push({ node: id, action: 'skipped', reason: `pruned layer has ${bias.length} outputs, expected ${layer.keptOutputs.length}` });
      continue;
    }
    setInitializer(pruned, biasName, [bias.length], bias.map((b, o) => b + shift[layer.keptOutputs[o]!]!));
    const after = await calibrationLoss(pruned, ctx);
    if (after <= loss) {
      outcomes.push({ node: id, action: 'updated', lossBefore: loss, lossAfter: after });
      loss = after;
    } else {
      setInitializer(pruned, biasName, [before.length], before);
      outcomes.push({ node: id, action: 'kept-original', reason: 'the correction raised the calibration loss', lossBefore: loss, lossAfter: after });
    }
    onLayer?.(li + 1, layers.length);
  }
  return outcomes;
}
