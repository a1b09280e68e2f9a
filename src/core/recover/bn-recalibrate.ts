// BatchNorm recalibration: after pruning, the statistics a BN layer was trained with no longer match
// its input. Re-estimate running mean and variance from the pruned model's own activations on the
// calibration images, one BN at a time in graph order (so each sees already-recalibrated inputs),
// keeping a layer's old statistics whenever the new ones make the calibration loss worse.
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { LayerOutcome, RecoveryContext } from './common.js';
import { calibrationLoss, captureTensors, channelMoments, constantInput, setInitializer } from './common.js';

/** Recalibrates every BatchNormalization of `model` (a private copy, edited in place). */
export async function recalibrateBatchNorm(model: ModelProto, ctx: RecoveryContext, onLayer?: (done: number, total: number) => void): Promise<LayerOutcome[]> {
  const bns = model.graph!.node.filter((n) => n.opType === 'BatchNormalization');
  const outcomes: LayerOutcome[] = [];
  let loss = await calibrationLoss(model, ctx);
  for (const [i, bn] of bns.entries()) {
    const ir = buildGraph(model);
    const id = bn.name || `BatchNormalization_${i}`;
    let mean;
    let variance;
    try {
      mean = constantInput(ir, bn, 3);
      variance = constantInput(ir, bn, 4);
    } catch (err) {
      outcomes.push({ node: id, action: 'skipped', reason: (err as Error).message });
      continue;
    }
    const [captured] = [await captureTensors(model, [bn.input[0]!], ctx)];
    const moments = channelMoments(captured.map((c) => c[bn.input[0]!]!));
    const newVar = moments.meanSquare.map((m2, c) => Math.max(0, m2 - moments.mean[c]! ** 2));
    setInitializer(model, mean.name, mean.dims, moments.mean);
    setInitializer(model, variance.name, variance.dims, newVar);
    const after = await calibrationLoss(model, ctx);
    if (after <= loss) {
      outcomes.push({ node: id, action: 'updated', lossBefore: loss, lossAfter: after });
      loss = after;
    } else {
      setInitializer(model, mean.name, mean.dims, mean.data);
      setInitializer(model, variance.name, variance.dims, variance.data);
      outcomes.push({ node: id, action: 'kept-original', reason: 'new statistics raised the calibration loss', lossBefore: loss, lossAfter: after });
    }
    onLayer?.(i + 1, bns.length);
  }
  return outcomes;
}
