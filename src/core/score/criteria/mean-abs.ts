import { activationCriterion } from './shared.js';
import type { Criterion } from './types.js';

export const meanAbsCriterion: Criterion<'mean-abs'> = {
  id: 'mean-abs',
  name: 'Mean |activation|',
  description: 'Mean absolute activation of the channel over images and positions.',
  needsImages: true,
  score: (job) => activationCriterion(job, (s) => s.meanAbs),
};
