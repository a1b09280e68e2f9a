// Validation: original vs pruned on images, plus the preprocessing defaults and preview.
import type { PreprocessSpec, PreviewImage, PreviewRequest, ProgressCallback, ValidateRequest, ValidationReport } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** Preprocessing inferred from the model, and the presets. */
export function preprocessDefaults(): { inferred: PreprocessSpec; presets: PreprocessSpec[] } {
  requireLoadedModel();
  throw engineMissing('Preprocessing presets', 'src/core/images');
}

/** The preprocessed tensor drawn back as an image. */
export async function previewPreprocess(request: PreviewRequest): Promise<PreviewImage> {
  void request;
  throw engineMissing('Preprocessing preview', 'src/core/images');
}

/** Runs original and pruned models on the images. */
export async function validate(request: ValidateRequest, onProgress?: ProgressCallback): Promise<ValidationReport> {
  requireLoadedModel();
  void request;
  void onProgress;
  throw engineMissing('Validation', 'src/runtime evaluate');
}
