// Export slice: the export in progress and what the last one did ("Saved …", "Cancelled.", an
// error). In the store rather than the panel, so opening another model clears it with the rest.
import type { StateCreator } from 'zustand';
import type { Progress } from '../../workers/protocol';
import type { StudioState } from './types';

export interface ExportMessage {
  text: string;
  error?: boolean;
}

export interface ExportSlice {
  /** Progress of the export running; undefined when idle. */
  exportProgress?: Progress;
  exportMessage?: ExportMessage;
  /** Export fp16 weights (a choice kept across models, like the recovery method). */
  exportFp16: boolean;

  setExport(patch: { progress?: Progress; message?: ExportMessage }): void;
  setExportFp16(on: boolean): void;
}

export const createExportSlice: StateCreator<StudioState, [], [], ExportSlice> = (set) => ({
  exportFp16: false,
  setExport: ({ progress, message }) => set({ exportProgress: progress, exportMessage: message }),
  setExportFp16: (on) => set({ exportFp16: on }),
});
