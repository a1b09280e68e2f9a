// The whole store's state: the intersection of its slices. New slices (validation, history)
// add their interface here and their creator in store.ts.
import type { ModelSlice } from './model-slice';
import type { PlanSlice } from './plan-slice';
import type { ViewSlice } from './view-slice';

export type StudioState = ModelSlice & ViewSlice & PlanSlice;
