import { seededRandom } from '../../random.js';
import type { Criterion } from './types.js';

export const randomCriterion: Criterion<'random'> = {
  id: 'random',
  name: 'Random',
  description: 'Seeded random scores: the baseline any criterion should beat.',
  needsImages: false,
  score(job) {
    const rand = seededRandom(job.seed);
    return { perGroup: new Map(job.groups.map((g) => [g.id, [Float64Array.from({ length: g.channels }, rand)]])), missing: 'no channels' };
  },
};
