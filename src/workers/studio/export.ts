// Export: the pruned model (optionally recovered on calibration images) and its plan JSON.
import type { ExportRequest, ExportResult, ProgressCallback } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** Prunes the loaded model with the plan and encodes it. */
export async function exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<ExportResult> {
  requireLoadedModel();
  void request;
  void onProgress;
  throw engineMissing('Export', 'src/core/prune applyPlan');
}
