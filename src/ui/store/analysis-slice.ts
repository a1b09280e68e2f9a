// Analysis slice: what the worker computed for the pruning panels — criteria, channel scores,
// the plan's cost read-out and sensitivity curves. Plain results; the calls live in ui/actions.
import type { StateCreator } from 'zustand';
import type { CriterionInfo, GroupScores, PlanCost, Progress, SensitivityResult } from '../../workers/protocol';
import type { StudioState } from './types';

export type ChannelOrder = 'index' | 'sorted';

export interface AnalysisSlice {
  criteria: CriterionInfo[];
  /** Criterion id used by the heatmaps and to choose which channels a ratio removes. */
  criterion: string;
  heatmapOrder: ChannelOrder;
  /**
   * A criterion that picks which channels of each group go, while `criterion` decides how many
   * (the worker's ScoreRequest.orderBy): the studio offers `reconstruction`, the channels least
   * squares best does without. Undefined: the criterion's own order.
   */
  channelOrderBy?: string;
  scores?: GroupScores;
  /** Progress of a scoring run (data criteria run the model); undefined when idle. */
  scoring?: Progress;
  scoreError?: string;
  cost?: PlanCost;
  costError?: string;
  /** A plan change is waiting for its cost (the shown cost and plan JSON are stale meanwhile). */
  costPending: boolean;
  sensitivityResult?: SensitivityResult;
  sensitivityProgress?: Progress;
  sensitivityError?: string;

  setCriteria(criteria: CriterionInfo[]): void;
  setCriterion(id: string): void;
  setHeatmapOrder(order: ChannelOrder): void;
  setChannelOrderBy(orderBy: string | undefined): void;
  setScores(scores: GroupScores | undefined, error?: string): void;
  setScoring(progress: Progress | undefined): void;
  setCost(cost: PlanCost | undefined, error?: string): void;
  setCostPending(pending: boolean): void;
  setSensitivity(patch: { result?: SensitivityResult; progress?: Progress; error?: string }): void;
}

export const createAnalysisSlice: StateCreator<StudioState, [], [], AnalysisSlice> = (set) => ({
  criteria: [],
  criterion: 'l1',
  heatmapOrder: 'sorted',
  setCriteria: (criteria) => set((s) => ({ criteria, criterion: criteria.some((c) => c.id === s.criterion) ? s.criterion : (criteria[0]?.id ?? s.criterion) })),
  setCriterion: (criterion) => set({ criterion }),
  setHeatmapOrder: (heatmapOrder) => set({ heatmapOrder }),
  setChannelOrderBy: (channelOrderBy) => set({ channelOrderBy }),
  setScores: (scores, scoreError) => set({ scores, scoreError, scoring: undefined }),
  setScoring: (scoring) => set({ scoring }),
  costPending: false,
  setCost: (cost, costError) => set({ cost, costError, costPending: false }),
  setCostPending: (costPending) => set({ costPending }),
  setSensitivity: ({ result, progress, error }) =>
    set((s) => ({ sensitivityResult: result ?? s.sensitivityResult, sensitivityProgress: progress, sensitivityError: error })),
});
