import { activationCriterion } from './shared.js';
import type { Criterion } from './types.js';

export const actL2Criterion: Criterion<'act-l2'> = {
  id: 'act-l2',
  name: 'Activation L2',
  description: 'Mean over images of the L2 norm of the channel’s feature map.',
  needsImages: true,
  score: (job) => activationCriterion(job, (s) => s.meanMapL2),
};
