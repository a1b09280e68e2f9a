// Plan cost (params/MACs/bytes before → after) and the global ratio control.
import type { GlobalPlanRequest, PlanCost, PlanInput } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** What the plan costs and keeps. */
export function planCost(plan: PlanInput): PlanCost {
  requireLoadedModel();
  void plan;
  throw engineMissing('Plan metrics', 'src/core/prune');
}

/** Ratios for the unlocked groups from the global control. */
export function globalPlan(request: GlobalPlanRequest): Record<string, number> {
  requireLoadedModel();
  void request;
  throw engineMissing('Global planning', 'src/core/prune');
}
