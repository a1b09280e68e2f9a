// PAGCP's performance-aware oracle: the measured loss change when a channel is zeroed.
import { oracleScores, type OracleGroup } from '../criteria-data.js';
import { imagesOf, lossOf, NO_TENSOR } from './shared.js';
import type { Criterion } from './types.js';

export const oracleCriterion: Criterion<'oracle'> = {
  id: 'oracle',
  name: 'Oracle ΔC',
  description: 'Exact loss (or KL) increase measured by zeroing the channel on the images. Slow: one run per channel.',
  needsImages: true,
  perOutput: true,
  async score(job) {
    const { ir, layouts } = job.analysis;
    const { output, index, task } = lossOf(job);
    const isProbs = ['Softmax', 'LogSoftmax'].includes(ir.producer.get(output)?.opType ?? '');
    const spec = new Map<string, OracleGroup>();
    for (const g of job.groups) {
      const tensors = job.tensorsOf.get(g.id) ?? [];
      if (tensors.length) spec.set(g.id, { channels: g.channels, tensors: tensors.map((t) => ({ ...t, rank: layouts.get(t.name)?.rank ?? 4 })) });
    }
    const scores = await oracleScores(ir.model, spec, output, index, isProbs, imagesOf(job), true, task);
    return { perGroup: new Map([...scores].map(([k, v]) => [k, [v]])), missing: NO_TENSOR };
  },
};
