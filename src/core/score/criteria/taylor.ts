// First-order Taylor (Molchanov et al. 2017) through the generated backward graph.
import { activationSummaries, fedInputShapes, taylorScores } from '../criteria-data.js';
import { normaliseScores } from '../group-tensors.js';
import { allTensors, byGroup, differentiableTensors, imagesOf, lossOf, NO_TENSOR, reaches } from './shared.js';
import type { Criterion, CriterionScores, ScoringJob } from './types.js';

/**
 * Taylor scores of every group tensor the backward graph can differentiate for the job's loss;
 * `withActivation` averages each with its activation L2 (both L2-normalised per tensor). Groups
 * whose tensors do not reach the output (another task's head) score 0: removing them leaves this
 * loss exactly unchanged.
 */
export async function scoreTaylor(job: ScoringJob, withActivation: boolean): Promise<CriterionScores> {
  const data = imagesOf(job);
  const { output, index, task } = lossOf(job);
  const ir = job.analysis.ir;
  const reaching = allTensors(job).filter((t) => reaches(ir, t.name, output));
  const { usable, reasons } = differentiableTensors(job.model, reaching, output, task, fedInputShapes(job.model, data.batches));
  let perTensor = usable.length ? await taylorScores(job.model, usable, output, index, data, { task, seed: job.seed }) : new Map<string, Float64Array>();
  if (withActivation) {
    const act = await activationSummaries(job.model, usable, data);
    perTensor = new Map([...perTensor].map(([name, v]) => [name, combineNormalised(v, act.get(name)!.meanMapL2)]));
  }
  const perGroup = byGroup(job, perTensor);
  for (const g of job.groups) {
    const tensors = job.tensorsOf.get(g.id) ?? [];
    if (tensors.length && !tensors.some((t) => reaches(ir, t.name, output))) perGroup.set(g.id, [new Float64Array(g.channels)]);
  }
  const whyNot = new Map<string, string>();
  for (const g of job.groups) {
    const why = (job.tensorsOf.get(g.id) ?? []).map((t) => reasons.get(t.name)).find(Boolean);
    if (why && !perGroup.get(g.id)?.length) whyNot.set(g.id, why);
  }
  return { perGroup, missing: NO_TENSOR, whyNot };
}

/** Taylor + activation (method 3 of the SqueezeNet pruning study): each L2-normalised, then averaged. */
function combineNormalised(taylor: Float64Array, activation: Float64Array): Float64Array {
  const t = normaliseScores(taylor, 'l2');
  const a = normaliseScores(activation, 'l2');
  return t.map((v, i) => (v + a[i]!) / 2);
}

export const taylorCriterion: Criterion<'taylor'> = {
  id: 'taylor',
  name: 'Taylor',
  description: 'First-order estimate of the loss change when the channel is removed: |mean of a·∂C/∂a|, averaged over images.',
  needsImages: true,
  defaultImages: 4096,
  perOutput: true,
  score: (job) => scoreTaylor(job, false),
};
