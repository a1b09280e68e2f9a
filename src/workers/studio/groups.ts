// listGroups: the channel dependency groups of the loaded model, as the panels show them.
import type { GroupSummary } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** The loaded model's groups (prunable first, in graph order). */
export function listGroups(): GroupSummary[] {
  requireLoadedModel();
  throw engineMissing('Channel groups', 'src/core/graph/channels');
}
