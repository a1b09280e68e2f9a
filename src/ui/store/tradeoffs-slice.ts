// Trade-offs slice: the sweep's settings (MACs targets, allocations, criteria) and its results for
// the open model (per-model.ts clears them with the model), so switching tabs keeps them.
import type { StateCreator } from 'zustand';
import type { GlobalMode } from '../../workers/protocol';
import { DEFAULT_TARGETS, type SweepResult } from '../charts/tradeoffs-data';
import type { StudioState } from './types';

/** Where a running sweep stands ("point 3 of 7"), for the progress bar and the time left. */
export interface SweepProgress {
  done: number;
  total: number;
  /** 0..1 for the whole sweep. */
  fraction: number;
  message: string;
  timeLeftMs?: number;
}

export interface TradeoffsSlice {
  /** Percents of the MACs to keep. */
  sweepTargets: number[];
  sweepAllocations: GlobalMode[];
  /** Criteria to sweep; empty: the studio's current criterion. */
  sweepCriteria: string[];
  sweep?: SweepResult;
  sweepProgress?: SweepProgress;
  /** The point whose plan was loaded into the studio (index into sweep.points). */
  sweepSelected?: number;

  setSweepSettings(patch: Partial<Pick<TradeoffsSlice, 'sweepTargets' | 'sweepAllocations' | 'sweepCriteria'>>): void;
  setSweep(sweep: SweepResult | undefined, progress?: SweepProgress): void;
  selectSweepPoint(index: number | undefined): void;
}

export const createTradeoffsSlice: StateCreator<StudioState, [], [], TradeoffsSlice> = (set) => ({
  sweepTargets: DEFAULT_TARGETS,
  sweepAllocations: ['uniform'],
  sweepCriteria: [],
  setSweepSettings: (patch) => set(patch),
  setSweep: (sweep, sweepProgress) => set((s) => ({ sweep, sweepProgress, ...(sweep !== s.sweep && sweep?.points.length === 0 ? { sweepSelected: undefined } : {}) })),
  selectSweepPoint: (sweepSelected) => set({ sweepSelected }),
});
