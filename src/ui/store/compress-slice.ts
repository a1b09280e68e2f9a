// Compress slice: the Rank and Sparsity tabs. Per model (cleared by per-model.ts through
// compressResultsReset): the layer spectra, the rank chosen per layer (absent = dense) and the
// sparsity map. Kept across models: the global-target and sparsity settings. Numbers only: the
// factors and sparse weights stay in the studio worker.
import type { StateCreator } from 'zustand';
import type { Progress, SparsityMap, SparsitySettings, SpectraResult } from '../../workers/protocol';
import type { StudioState } from './types';

export type RankTargetKind = 'energy' | 'keep-macs';

export interface CompressSlice {
  spectra?: SpectraResult;
  spectraProgress?: Progress;
  spectraError?: string;
  /** The layer the Rank tab shows (a LayerSpectrumInfo id). */
  rankLayerId?: string;
  /** Layer id → chosen rank; validation and export factorise exactly these layers. */
  ranks: Record<string, number>;
  /** The global control: keep this share of each layer's energy, or of the model's MACs. */
  rankTarget: { kind: RankTargetKind; value: number };
  /** Rank tab on calibration images: whitened spectra and factors; second factors refit (neither is in a plan). */
  rankData: { dataAware: boolean; refit: boolean };
  rankTargetError?: string;
  /** Sparsity settings (criterion and refit included); `enabled`: validation and export sparsify. */
  sparsity: SparsitySettings & { enabled: boolean; criterion: NonNullable<SparsitySettings['criterion']>; refit: boolean };
  sparsityMap?: SparsityMap;
  sparsityProgress?: Progress;
  sparsityError?: string;

  setSpectra(patch: { spectra?: SpectraResult; progress?: Progress; error?: string }): void;
  selectRankLayer(id: string | undefined): void;
  /** Sets one layer's rank; undefined makes it dense again. */
  setRank(id: string, rank: number | undefined): void;
  setRanks(ranks: Record<string, number>): void;
  setRankTarget(target: Partial<CompressSlice['rankTarget']>, error?: string): void;
  setRankData(patch: Partial<CompressSlice['rankData']>): void;
  setSparsity(patch: Partial<CompressSlice['sparsity']>): void;
  setSparsityMap(patch: { map?: SparsityMap; progress?: Progress; error?: string }): void;
}

/** The per-model part of the slice, as it starts for a newly opened model. */
export function compressResultsReset(): Partial<CompressSlice> {
  return {
    spectra: undefined, spectraProgress: undefined, spectraError: undefined, rankLayerId: undefined, ranks: {}, rankTargetError: undefined,
    sparsityMap: undefined, sparsityProgress: undefined, sparsityError: undefined,
  };
}

export const createCompressSlice: StateCreator<StudioState, [], [], CompressSlice> = (set) => ({
  ranks: {},
  rankTarget: { kind: 'energy', value: 0.9 },
  rankData: { dataAware: false, refit: false },
  sparsity: { enabled: false, pattern: '2:4', sparsity: 0.5, scope: 'global', criterion: 'magnitude', refit: false },
  setSpectra: ({ spectra, progress, error }) => set((s) => ({
    spectra: spectra ?? s.spectra, spectraProgress: progress, spectraError: error,
    ...(spectra && !s.rankLayerId ? { rankLayerId: spectra.layers[0]?.id } : {}),
  })),
  selectRankLayer: (rankLayerId) => set({ rankLayerId }),
  setRank: (id, rank) => set((s) => {
    const ranks = { ...s.ranks };
    if (rank === undefined) delete ranks[id];
    else ranks[id] = rank;
    return { ranks };
  }),
  setRanks: (ranks) => set({ ranks: { ...ranks }, rankTargetError: undefined }),
  setRankTarget: (target, rankTargetError) => set((s) => ({ rankTarget: { ...s.rankTarget, ...target }, rankTargetError })),
  setRankData: (patch) => set((s) => ({ rankData: { ...s.rankData, ...patch } })),
  setSparsity: (patch) => set((s) => ({ sparsity: { ...s.sparsity, ...patch } })),
  setSparsityMap: ({ map, progress, error }) => set((s) => ({ sparsityMap: map ?? (error ? undefined : s.sparsityMap), sparsityProgress: progress, sparsityError: error })),
});
