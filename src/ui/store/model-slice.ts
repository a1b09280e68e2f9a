// Model slice: what is loaded (its summary, never its tensors), the load in progress, the last
// error, and the selected node. Worker calls live in ui/actions; this slice only records results.
import type { StateCreator } from 'zustand';
import type { ModelSummary, OutputTask, Progress, StudioErrorData } from '../../workers/protocol';
import { modelResultsReset } from './per-model';
import type { StudioState } from './types';

/**
 * A model card as published next to a demo model (public/models/<name>.card.json, written by
 * tools/train-demo/export.py). Every field is optional: cards from elsewhere vary.
 */
export interface ModelCard {
  name?: string;
  title?: string;
  architecture?: string;
  /** The training/test data, in words. */
  data?: string;
  dataset?: string;
  /** Top-1 test accuracy as a fraction (0.92). */
  testAccuracy?: number;
  testAccuracyNote?: string;
  accuracy?: number | string;
  params?: number;
  macs?: number;
  epochs?: number;
  classNames?: string[];
  classes?: string[];
  date?: string;
  trainedWith?: { framework?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ModelSlice {
  summary?: ModelSummary;
  card?: ModelCard;
  /** The file being loaded and how far it is; undefined when idle. */
  loading?: { fileName: string; progress: Progress };
  /** The error to show in the dialog; the previous model stays loaded. */
  error?: StudioErrorData;
  /** Id of the selected node (a NodeSummary id or an `input:`/`output:` port id). */
  selectedId?: string;
  /** The outputs and the task kind each is scored and validated with (detected, or overridden in the Model tab). */
  outputTasks?: OutputTask[];

  loadStarted(fileName: string): void;
  loadProgress(progress: Progress): void;
  /** Installs the new model and clears every per-model result of the old one (per-model.ts). */
  loadSucceeded(summary: ModelSummary, card?: ModelCard): void;
  /** Ends a load; `error` undefined means it was cancelled. */
  loadFailed(error?: StudioErrorData): void;
  showError(error: StudioErrorData): void;
  dismissError(): void;
  select(id: string | undefined): void;
  setOutputTasks(outputTasks: OutputTask[]): void;
  /** The same model re-summarised (shapes and MACs at another input size): per-model results stay. */
  summaryUpdated(summary: ModelSummary): void;
}

export const createModelSlice: StateCreator<StudioState, [], [], ModelSlice> = (set) => ({
  loadStarted: (fileName) => set({ loading: { fileName, progress: { stage: 'read', fraction: 0, message: `Reading ${fileName}` } } }),
  loadProgress: (progress) => set((s) => (s.loading ? { loading: { ...s.loading, progress } } : {})),
  summaryUpdated: (summary) => set({ summary }),
  loadSucceeded: (summary, card) => set((s) => ({ ...modelResultsReset(s), summary, card, outputTasks: summary.outputTasks, loading: undefined, error: undefined, selectedId: undefined })),
  loadFailed: (error) => set({ loading: undefined, error }),
  showError: (error) => set({ error }),
  dismissError: () => set({ error: undefined }),
  select: (selectedId) => set({ selectedId }),
  setOutputTasks: (outputTasks) => set({ outputTasks }),
});
