// Numbers the Rank and Sparsity tabs show, from the worker's spectra and maps (pure: unit-tested).
// The rank arithmetic is core's (core/compress/lowrank-rank.ts): energy kept and the cost of a rank.
import { energyKept, rankCost } from '../../core/compress/lowrank-rank';
import type { CompressSpec, LayerSpectrumInfo, SparsitySettings, SpectraResult } from '../../workers/protocol';

/** A file-name suffix for the compression applied ("" when none): ".lowrank", ".sparse-2of4", ".sparse-50". */
export function compressSuffix(spec: CompressSpec | undefined): string {
  if (!spec) return '';
  const parts = [];
  if (spec.ranks) parts.push('lowrank');
  if (spec.sparsity) parts.push(`sparse-${/^\d+:\d+$/.test(spec.sparsity.pattern) ? spec.sparsity.pattern.replace(':', 'of') : Math.round(spec.sparsity.sparsity * 100)}`);
  return parts.map((p) => `.${p}`).join('');
}

/** The data options as they apply (actions/compress effectiveCompressOptions). */
export interface CompressDataOptions {
  dataAware: boolean;
  refitFactors: boolean;
  criterion: string;
  refitSparse: boolean;
}

/**
 * "low rank on 5 layers, data-aware; 2:4 sparsity by Taylor, layers refit; on the calibration images
 * (whitening, sparsity refit: not in the plan)" for what validation and export will apply, in the
 * words of Validate's "Low rank / sparsity" row (workers/studio/compress.ts compressNote); "" when nothing.
 */
export function describeCompress(ranks: Record<string, number>, sparsity: SparsitySettings & { enabled: boolean }, data?: CompressDataOptions): string {
  const n = Object.keys(ranks).length;
  const parts = [];
  const beyond: string[] = [];
  let images = false;
  if (n) {
    const whiten = !!data?.dataAware;
    const refit = !!data?.refitFactors;
    parts.push(`low rank on ${n} layer${n === 1 ? '' : 's'}${whiten ? ', data-aware' : ''}${refit ? ', second factors refit' : ''}`);
    if (whiten) beyond.push('whitening');
    if (refit) beyond.push('low-rank refit');
    images ||= whiten || refit;
  }
  if (sparsity.enabled) {
    const taylor = data?.criterion === 'taylor';
    const refit = !!data?.refitSparse;
    parts.push(`${/^\d+:\d+$/.test(sparsity.pattern) ? sparsity.pattern : `${Math.round(sparsity.sparsity * 100)} % unstructured`} sparsity${sparsity.pattern === 'unstructured' ? ` (${sparsity.scope})` : ''}${taylor ? ' by Taylor' : ''}${refit ? ', layers refit' : ''}`);
    if (refit) beyond.push('sparsity refit');
    images ||= taylor || refit;
  }
  if (images) parts.push(`on the calibration images${beyond.length ? ` (${beyond.join(', ')}: not in the plan)` : ''}`);
  return parts.join('; ');
}

export interface RankReadout {
  rank: number;
  fullRank: number;
  energy: number;
  macs: { before: number; after: number };
  params: { before: number; after: number };
}

/** What rank `rank` keeps and costs in `layer` (undefined rank: the dense layer, all energy). */
export function rankReadout(layer: LayerSpectrumInfo, rank: number | undefined): RankReadout {
  const fullRank = layer.sigma.length;
  const r = rank ?? fullRank;
  const cost = rankCost(layer, rank ?? 0);
  return {
    rank: r, fullRank,
    energy: rank === undefined ? 1 : energyKept(Float64Array.from(layer.sigma), r),
    macs: { before: layer.macs, after: cost.macs },
    params: { before: layer.out * layer.in, after: cost.params },
  };
}

/** Cumulative share of Σσ² kept by the first 1, 2, … components. */
export function cumulativeEnergy(sigma: readonly number[]): number[] {
  let total = 0;
  for (const s of sigma) total += s * s;
  let acc = 0;
  return sigma.map((s) => (acc += s * s) / (total || 1));
}

/** The model's MACs with the chosen ranks (the other layers and ops as they are), and the weights the ranks save. */
export function rankTotals(spectra: SpectraResult, ranks: Record<string, number>): { macsBefore: number; macsAfter: number; paramsSaved: number; layers: number } {
  let saved = 0;
  let paramsSaved = 0;
  let layers = 0;
  for (const l of spectra.layers) {
    const r = ranks[l.id];
    if (r === undefined) continue;
    const c = rankCost(l, r);
    saved += l.macs - c.macs;
    paramsSaved += l.out * l.in - c.params;
    if (c.macs < l.macs) layers++;
  }
  return { macsBefore: spectra.modelMacs, macsAfter: spectra.modelMacs - saved, paramsSaved, layers };
}

/** A layer id short enough for a narrow panel: its last three path segments, less a trailing op name ("/stages/stages.1/conv2/conv2.0/Conv" → "stages.1/conv2/conv2.0"). */
export function shortLayerName(id: string): string {
  const parts = id.split('/').filter(Boolean);
  if (parts.length > 1 && /^[A-Z][A-Za-z]*(_\d+)?$/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.slice(-3).join('/') || id;
}

/** Averages `values` into at most `cells` consecutive bins (the heatmap's columns per row). */
export function binValues(values: readonly number[], cells: number): number[] {
  if (values.length <= cells) return [...values];
  const out: number[] = [];
  for (let c = 0; c < cells; c++) {
    const from = Math.floor((c * values.length) / cells);
    const to = Math.floor(((c + 1) * values.length) / cells);
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    out.push(sum / Math.max(1, to - from));
  }
  return out;
}
