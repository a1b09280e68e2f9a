// Keeps the pruning panels' worker results in step with the store, whichever tab is open:
// a new model → groups/criteria/scores (the old model's results were cleared with its jobs when it
// was replaced: store/per-model.ts, actions/jobs.ts); a new criterion → scores; any plan change → cost (debounced).
import type { GroupSummary } from '../../workers/protocol';
import { analyseModel } from '../actions/analyse';
import { scheduleCost } from '../actions/cost';
import { scoreChannels } from '../actions/score';
import { useStudio } from '../store/store';

let started = false;

/**
 * The group to show when node `nodeId` is selected in the graph: the group of the channels it
 * produces (its id is the producer's: clicking a layer shows that layer), else the current group if
 * the node is one of its members (a BN or Add sits in the group it passes on), else the first
 * prunable group holding it, else any group holding it; undefined when none does.
 */
export function groupForNode(groups: readonly GroupSummary[], nodeId: string, currentId?: string): string | undefined {
  const holding = groups.filter((g) => g.members.includes(nodeId));
  return (holding.find((g) => g.id === nodeId) ?? holding.find((g) => g.id === currentId) ?? holding.find((g) => g.prunable) ?? holding[0])?.id;
}

/** Ctrl+Z undoes a plan change, Ctrl+Shift+Z / Ctrl+Y redoes; text fields keep their own undo. */
function onUndoKey(e: KeyboardEvent): void {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key !== 'z' && key !== 'y') return;
  const el = e.target as HTMLElement | null;
  const typing = !!el && (el.isContentEditable || el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && (el as HTMLInputElement).type !== 'range'));
  if (typing) return;
  e.preventDefault();
  const s = useStudio.getState();
  if (key === 'y' || e.shiftKey) s.redo();
  else s.undo();
}

/** Installs the subscriptions once per page (idempotent, so panels can call it on mount). */
export function startPruningSync(): void {
  if (started) return;
  started = true;
  window.addEventListener('keydown', onUndoKey);
  if (useStudio.getState().summary) void analyseModel();
  useStudio.subscribe((state, previous) => {
    // Every load is a new model, even of the same file: the worker's caches and curves are new too.
    if (state.summary !== previous.summary) {
      if (state.summary) void analyseModel();
      return;
    }
    // Selecting a node in the graph selects the group that holds it (first prunable one).
    if (state.selectedId !== previous.selectedId && state.selectedId && state.groups) {
      const next = groupForNode(state.groups, state.selectedId, state.selectedGroupId);
      if (next && next !== state.selectedGroupId) useStudio.setState({ selectedGroupId: next });
    }
    if ((state.criterion !== previous.criterion || state.channelOrderBy !== previous.channelOrderBy) && state.groups) void scoreChannels();
    // New scores change which channels a ratio removes (and the plan JSON), so they re-cost too.
    if (state.groups && (state.ratios !== previous.ratios || state.roundTo !== previous.roundTo || state.scores !== previous.scores
      || state.criterion !== previous.criterion || state.groups !== previous.groups)) scheduleCost();
  });
}
