import type { Recovery } from './recovery.js';

/** No recovery: the weights stay as sliced. */
export const noRecovery: Recovery<'none'> = {
  id: 'none',
  name: 'none',
  description: 'None: the weights are sliced as they are.',
  async *run() {},
};
