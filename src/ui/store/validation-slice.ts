// Validation slice: the images to validate on (kept as Blobs so every run can re-read them and
// thumbnails can show them), the preprocessing choice, the backend, and the last report.
import type { StateCreator } from 'zustand';
import type { PreprocessSpec, Progress, ValidationBackend, ValidationReport } from '../../workers/protocol';
import type { StudioState } from './types';

/** An image chosen for validation; `label` is a class index when known. */
export interface ValidationImage {
  name: string;
  blob: Blob;
  label?: number;
  /** Its segmentation label mask (NAME.mask.png picked beside it). */
  mask?: Blob;
}

export interface ValidationSlice {
  validationImages: ValidationImage[];
  /** Where the images came from ("bundled samples", "12 uploaded files"). */
  imagesSource?: string;
  preprocess?: PreprocessSpec;
  inferredPreprocess?: PreprocessSpec;
  presets: PreprocessSpec[];
  backend: ValidationBackend;
  validationReport?: ValidationReport;
  validationProgress?: Progress;
  validationError?: string;

  setValidationImages(images: ValidationImage[], source: string): void;
  setPreprocessDefaults(inferred: PreprocessSpec | undefined, presets: PreprocessSpec[]): void;
  setPreprocess(spec: PreprocessSpec): void;
  setBackend(backend: ValidationBackend): void;
  setValidation(patch: { report?: ValidationReport; progress?: Progress; error?: string }): void;
}

export const createValidationSlice: StateCreator<StudioState, [], [], ValidationSlice> = (set) => ({
  validationImages: [],
  presets: [],
  backend: 'wasm',
  setValidationImages: (validationImages, imagesSource) => set({ validationImages, imagesSource, validationReport: undefined }),
  setPreprocessDefaults: (inferredPreprocess, presets) => set({ inferredPreprocess, presets, preprocess: inferredPreprocess }),
  setPreprocess: (preprocess) => set({ preprocess }),
  setBackend: (backend) => set({ backend }),
  setValidation: ({ report, progress, error }) =>
    set((s) => ({ validationReport: report ?? s.validationReport, validationProgress: progress, validationError: error })),
});
