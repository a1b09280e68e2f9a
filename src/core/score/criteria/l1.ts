import { weightNorms } from './shared.js';
import type { Criterion } from './types.js';

export const l1Criterion: Criterion<'l1'> = {
  id: 'l1',
  name: 'Weight L1',
  description: 'Sum of |w| of all the weights that create the channel (every layer writing into it).',
  needsImages: false,
  score: (job) => weightNorms(job, 'l1'),
};
