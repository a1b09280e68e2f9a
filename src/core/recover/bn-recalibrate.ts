// BatchNorm recalibration: after pruning, the statistics a BN layer was trained with no longer match
// its input. Re-estimate running mean and variance from the pruned model's own activations on the
// calibration images, one BN at a time in graph order (so each sees already-recalibrated inputs).
import { buildGraph } from '../graph/ir.js';
import { captureTensors, channelMoments, constantInput, writeNodeInputs } from './common.js';
import type { Recovery, RecoveryJob, RecoveryStep } from './recovery.js';

/** Proposes new statistics for every BatchNormalization of `job.model`. */
async function* recalibrateBatchNorm({ model, ctx, onProgress }: RecoveryJob): AsyncGenerator<RecoveryStep> {
  const bns = model.graph!.node.filter((n) => n.opType === 'BatchNormalization');
  for (const [i, bn] of bns.entries()) {
    const ir = buildGraph(model);
    const node = bn.name || `BatchNormalization_${i}`;
    let mean;
    let variance;
    try {
      mean = constantInput(ir, bn, 3);
      variance = constantInput(ir, bn, 4);
    } catch (err) {
      yield { node, skipped: (err as Error).message };
      continue;
    }
    const captured = await captureTensors(model, [bn.input[0]!], ctx);
    const moments = channelMoments(captured.map((c) => c[bn.input[0]!]!));
    const newVar = moments.meanSquare.map((m2, c) => Math.max(0, m2 - moments.mean[c]! ** 2));
    yield {
      node,
      apply: () => writeNodeInputs(model, bn, [{ index: 3, dims: mean.dims, data: moments.mean }, { index: 4, dims: variance.dims, data: newVar }]),
      worse: 'new statistics raised the calibration loss',
    };
    onProgress?.(i + 1, bns.length);
  }
}

export const bnRecovery: Recovery<'bn'> = {
  id: 'bn',
  name: 'BN recalibration',
  description: 'BN recalibration: re-estimates BatchNorm statistics on the calibration images (needs BN kept in the model).',
  run: recalibrateBatchNorm,
};
