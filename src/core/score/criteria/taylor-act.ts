import { scoreTaylor } from './taylor.js';
import type { Criterion } from './types.js';

export const taylorActCriterion: Criterion<'taylor-act'> = {
  id: 'taylor-act',
  name: 'Taylor + activation',
  description: 'Taylor and activation L2, each normalised per layer, averaged.',
  needsImages: true,
  defaultImages: 4096,
  perOutput: true,
  score: (job) => scoreTaylor(job, true),
};
