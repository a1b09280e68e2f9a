// The one studio store, composed here from flat typed slices (zustand slices pattern): model,
// view, plan, analysis, validation, export, training. It holds ids, ratios and view state only: tensors stay in the
// studio worker.
import { create } from 'zustand';
import { createAnalysisSlice } from './analysis-slice';
import { createCompressSlice } from './compress-slice';
import { createExportSlice } from './export-slice';
import { createGatesSlice } from './gates-slice';
import { createModelSlice } from './model-slice';
import { createPlanSlice } from './plan-slice';
import { createTradeoffsSlice } from './tradeoffs-slice';
import { createTrainingSlice } from './training-slice';
import type { StudioState } from './types';
import { createValidationSlice } from './validation-slice';
import { createViewSlice } from './view-slice';

/** Creates a fresh store (tests create their own; the app uses `useStudio`). */
export function createStudioStore() {
  return create<StudioState>()((...args) => ({
    ...createModelSlice(...args),
    ...createViewSlice(...args),
    ...createPlanSlice(...args),
    ...createAnalysisSlice(...args),
    ...createValidationSlice(...args),
    ...createExportSlice(...args),
    ...createTrainingSlice(...args),
    ...createTradeoffsSlice(...args),
    ...createCompressSlice(...args),
    ...createGatesSlice(...args),
  }));
}

/** The app's store hook: `useStudio((s) => s.summary)`. */
export const useStudio = createStudioStore();

export type { StudioState } from './types';
