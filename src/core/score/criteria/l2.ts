import { weightNorms } from './shared.js';
import type { Criterion } from './types.js';

export const l2Criterion: Criterion<'l2'> = {
  id: 'l2',
  name: 'Weight L2',
  description: 'L2 norm of all the weights that create the channel (every layer writing into it).',
  needsImages: false,
  score: (job) => weightNorms(job, 'l2'),
};
