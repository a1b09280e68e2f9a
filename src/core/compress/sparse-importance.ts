// Per-weight importance from data, per output (DiSparse's per-task importance): the first-order
// Taylor estimate of the loss change when a weight is zeroed, accumulated over batches as
// Σ_batches (w · ∂C/∂w)² (Molchanov et al. 2019, for single weights). C is each output's own loss,
// with the targets the channel Taylor criterion uses (labels, else the model's own arg-max; random
// probes for dense outputs), through the generated backward graph with the weights as trainables.
import { hasFloat16, toFloat32 } from '../convert/fp32.js';
import { buildGraph } from '../graph/ir.js';
import { inferShapes } from '../graph/shapes.js';
import type { ModelProto } from '../onnx/proto.js';
import { seededRandom } from '../random.js';
import { ancestors, buildBackwardModel } from '../score/backward.js';
import { forwardOutputs, lossTarget, type DataScoreOptions } from '../score/criteria-data.js';
import { denseProbeTarget, resolveTasks, type TaskKind } from '../score/loss-task.js';
import { checkAborted, withModel } from '../score/runner.js';
import { readParameters } from '../train/parameter-inputs.js';

/**
 * Weight name → one importance array per output (in `outputs` order). Outputs default to every
 * graph output; their tasks are detected unless given.
 */
export async function weightTaylorImportance(
  model: ModelProto, weights: readonly string[], opts: DataScoreOptions, outputs?: readonly string[], tasks?: Readonly<Record<string, TaskKind>>,
): Promise<Map<string, Float32Array[]>> {
  const wide = hasFloat16(model) ? toFloat32(model) : model;
  const ir = buildGraph(wide);
  const names = outputs ?? [...ir.outputs];
  const kinds = resolveTasks(ir, inferShapes(ir), tasks);
  const params = Object.fromEntries(readParameters(wide, weights));
  const result = new Map<string, Float32Array[]>(weights.map((w) => [w, []]));
  const plainOut = await forwardOutputs(model, opts);
  for (const [index, out] of names.entries()) {
    // A weight this output does not read (another task's head) is worth nothing to it: zeros, so
    // the DiSparse max over outputs leaves that weight to the tasks that do read it.
    const reaching = ancestors(wide.graph!.node, [out]);
    const read = weights.filter((w) => reaching.has(w));
    for (const w of weights) if (!reaching.has(w)) result.get(w)!.push(new Float32Array(params[w]!.data.length));
    if (!read.length) continue;
    const bw = buildBackwardModel(wide, { activations: [], lossOutputs: [out], tasks: { [out]: kinds.get(out)! }, trainable: read });
    const isProbs = bw.logitsOf.get(out) !== out;
    const dense = bw.taskOf.get(out) === 'dense';
    const random = seededRandom(index);
    const sums = new Map(read.map((w) => [w, new Float64Array(params[w]!.data.length)]));
    await withModel(opts.runner, bw.model, async (m) => {
      for (const [bi, batch] of opts.batches.entries()) {
        checkAborted(opts.signal);
        const plain = plainOut[bi]![out]!;
        const target = dense ? denseProbeTarget(plain, random) : lossTarget(index, batch, plain, isProbs);
        const res = await m.run({ ...batch.feeds, ...params, [bw.targetOf.get(out)!]: target }, { signal: opts.signal });
        for (const w of read) {
          const g = res[bw.parameterGradientOf.get(w)!]!.data;
          const v = params[w]!.data;
          const acc = sums.get(w)!;
          for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + (v[i]! * g[i]!) ** 2;
        }
        opts.onProgress?.(index * opts.batches.length + bi + 1, names.length * opts.batches.length);
      }
    });
    for (const w of read) result.get(w)!.push(Float32Array.from(sums.get(w)!));
  }
  return result;
}
