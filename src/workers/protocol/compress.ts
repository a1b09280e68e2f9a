import type { LowRankCandidate } from '../../core/compress/lowrank-layers';
import type { RankTarget } from '../../core/compress/lowrank-rank';
import type { SparsifiedLayer, SparsifyOptions } from '../../core/compress/sparsify';
import type { ImageInput, PlanInput, PreprocessSpec } from './pruning';

// Compression beyond channels (studio worker, ./studio/compress.ts): low-rank factorisation and
// sparsity, both core's (core/compress). The page holds ranks and settings; factors stay here.

/** A factorisable layer (core/compress/lowrank-layers.ts) and its singular values, descending. */
export interface LayerSpectrumInfo extends Pick<LowRankCandidate, 'id' | 'op' | 'out' | 'in' | 'kernel' | 'macs' | 'macsPerRank' | 'breakEven'> {
  sigma: number[];
}

/**
 * Calibration images for data-aware low rank, Taylor sparsity and the least-squares refits (the
 * worker preprocesses them as given and uses at most RECOVERY_IMAGES of them).
 */
export interface CompressCalibration {
  images: ImageInput[];
  preprocess: PreprocessSpec;
}

/** Rank tab: plain singular values, or (dataAware, with images) those of W·L, whitened by each layer's input covariance. */
export interface SpectraRequest {
  jobId: number;
  dataAware?: boolean;
  calibration?: CompressCalibration;
}

export interface SpectraResult {
  /** Whether the σ are whitened (data-aware); layers over the whitening limit keep plain σ and are in `notWhitened`. */
  dataAware?: boolean;
  notWhitened?: { node: string; reason: string }[];
  layers: LayerSpectrumInfo[];
  /** Layers of a factorisable op type that cannot be factorised, with why. */
  skipped: { node: string; reason: string }[];
  /** Per-sample MACs of the loaded model. */
  modelMacs: number;
}

export interface RankTargetRequest extends SpectraRequest {
  target: Exclude<RankTarget, { kind: 'ranks' }>;
}

/** Sparsity as the studio sets it: core's options with the pattern as text ("unstructured", "2:4", "4:8"). */
export interface SparsitySettings extends Pick<SparsifyOptions, 'sparsity'> {
  pattern: string;
  scope: NonNullable<SparsifyOptions['scope']>;
  /** Weight importance: |w| (default), or Taylor on the calibration images (recorded in the plan). */
  criterion?: 'magnitude' | 'taylor';
  /** Refit the kept weights by least squares on the calibration images (not recorded in the plan). */
  refit?: boolean;
}

export interface SparsityRequest extends SparsitySettings {
  jobId: number;
  /** Needed by criterion "taylor" and refit. */
  calibration?: CompressCalibration;
}

/** A sparsified layer and the share of zeros in each of its output channels. */
export interface SparsityLayerInfo extends Omit<SparsifiedLayer, 'weight'> {
  perOutput: number[];
}

export interface SparsityMap {
  layers: SparsityLayerInfo[];
  /** Layers of these op types left dense, with why (e.g. an input width that is not a multiple of M). */
  dense: { node: string; reason: string }[];
  /** Zeros over all eligible weights. */
  sparsity: number;
  /** With refit: each refit layer's relative output error² before → after, and the layers left as sparsified, with why. */
  refits?: { node: string; errorBefore: number; errorAfter: number; applied: boolean }[];
  notRefit?: { node: string; reason: string }[];
}

/** What validation and export apply after pruning and recovery: ranks per layer id, then sparsity. */
export interface CompressSpec {
  ranks?: Record<string, number>;
  /** Whiten each layer's SVD by its input covariance (not recorded in the plan: `prune --plan` uses plain SVD). */
  dataAware?: boolean;
  /** Refit the second factors and biases by least squares (not recorded in the plan). */
  refitFactors?: boolean;
  sparsity?: SparsitySettings;
  /** The images data-aware low rank, Taylor and the refits run on. */
  calibration?: CompressCalibration;
}

/** The plan file for a plan and the Rank/Sparsity tabs' choices (docs/plan-format.md, version 2 when compressed). */
export interface PlanJsonRequest extends PlanInput {
  jobId: number;
  compress?: CompressSpec;
}
