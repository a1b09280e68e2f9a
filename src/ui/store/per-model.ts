// What the studio worked out for the open model, across slices: scores and heatmaps, cost,
// sensitivity curves, groups, validation results and preprocessing, export status. Opening another
// model resets all of it in the same update that installs the new summary, so no panel ever shows
// the old model's results under the new model's name. A new per-model field belongs here.
import { compressResultsReset } from './compress-slice';
import type { StudioState } from './types';

/** The store patch that starts every per-model panel clean. */
export function modelResultsReset(s: StudioState): Partial<StudioState> {
  return {
    scores: undefined, scoring: undefined, scoreError: undefined,
    cost: undefined, costError: undefined, costPending: false,
    sensitivityResult: undefined, sensitivityProgress: undefined, sensitivityError: undefined,
    groups: undefined, groupsError: undefined, selectedGroupId: undefined, locked: {},
    // The sensitivity-guided control needs this model's curves, which do not exist yet.
    ...(s.globalMode === 'sensitivity' ? { globalMode: 'uniform' as const } : {}),
    taskBudgets: {}, budgetOutcome: undefined,
    validationReport: undefined, validationProgress: undefined, validationError: undefined,
    preprocess: undefined, inferredPreprocess: undefined, presets: [],
    exportProgress: undefined, exportMessage: undefined,
    trainingRun: undefined,
    ...compressResultsReset(),
    gatesRun: undefined,
    sweep: undefined, sweepProgress: undefined, sweepSelected: undefined,
    ...(s.sweepAllocations.includes('sensitivity') ? { sweepAllocations: s.sweepAllocations.filter((m) => m !== 'sensitivity') } : {}),
  } satisfies Partial<StudioState>;
}
