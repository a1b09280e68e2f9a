// Sensitivity: the metric drop of pruning each group alone at several ratios.
import type { ProgressCallback, SensitivityRequest, SensitivityResult } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** One curve per prunable group. */
export async function sensitivity(request: SensitivityRequest, onProgress?: ProgressCallback): Promise<SensitivityResult> {
  requireLoadedModel();
  void request;
  void onProgress;
  throw engineMissing('Sensitivity analysis', 'src/core/prune/allocate');
}
