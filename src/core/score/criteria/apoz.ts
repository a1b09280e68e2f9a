import { activationCriterion } from './shared.js';
import type { Criterion } from './types.js';

export const apozCriterion: Criterion<'apoz'> = {
  id: 'apoz',
  name: 'APoZ',
  description: '1 − average percentage of zeros: channels that are mostly zero after ReLU score low.',
  needsImages: true,
  score: (job) => activationCriterion(job, (s) => s.apoz.map((z) => 1 - z)),
};
