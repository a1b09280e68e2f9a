// The whole store's state: the intersection of its slices, none nested in another. A new slice
// adds its interface here and its creator in store.ts.
import type { AnalysisSlice } from './analysis-slice';
import type { CompressSlice } from './compress-slice';
import type { ExportSlice } from './export-slice';
import type { GatesSlice } from './gates-slice';
import type { ModelSlice } from './model-slice';
import type { PlanSlice } from './plan-slice';
import type { TrainingSlice } from './training-slice';
import type { TradeoffsSlice } from './tradeoffs-slice';
import type { ValidationSlice } from './validation-slice';
import type { ViewSlice } from './view-slice';

export type StudioState = ModelSlice & ViewSlice & PlanSlice & AnalysisSlice & ValidationSlice & ExportSlice & TradeoffsSlice & TrainingSlice & CompressSlice & GatesSlice;
