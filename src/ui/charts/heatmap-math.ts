// Pure geometry and ordering for the channel heatmaps, kept out of the React components so it can
// be unit-tested in Node and reused by the canvas renderers.
import { keepCount } from '../../core/prune/planner';

/** Channel display order: file order, or ascending importance (the pruned ones come first). */
export type ChannelOrder = 'index' | 'sorted';

/** Indices of `values` in display order; `sorted` is ascending with ties broken by index (stable). */
export function displayOrder(values: ArrayLike<number>, order: ChannelOrder): number[] {
  const indices = Array.from({ length: values.length }, (_, i) => i);
  if (order === 'sorted') indices.sort((a, b) => (values[a]! - values[b]!) || a - b);
  return indices;
}

/**
 * How many channels a ratio removes from a group of `channels`, keeping a multiple of `roundTo`
 * (hardware-friendly widths) and always at least one channel (a zero-width layer breaks the model).
 */
export function prunedCount(channels: number, ratio: number, roundTo = 1): number {
  // The planner's own rounding, so the cut line shows exactly what the plan will remove.
  return channels - keepCount(channels, ratio, { roundTo });
}

/**
 * The channels a magnitude-style planner removes: the `prunedCount` lowest scores.
 * Returns a mask, true = pruned. Used when the worker has not sent an explicit keep list.
 */
export function prunedMask(values: ArrayLike<number>, ratio: number, roundTo = 1): boolean[] {
  const mask = new Array<boolean>(values.length).fill(false);
  const count = prunedCount(values.length, ratio, roundTo);
  const order = displayOrder(values, 'sorted');
  for (let i = 0; i < count; i++) mask[order[i]!] = true;
  return mask;
}

/** Scales scores to 0..1 by the row's own min and max (a constant row maps to 0.5). */
export function normalise(values: ArrayLike<number>): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Float32Array(values.length);
  const span = max - min;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = !Number.isFinite(v) ? 0 : span > 0 ? (v - min) / span : 0.5;
  }
  return out;
}

/** Rows × columns of cells for `count` channels in a box `width` wide with cells ≥ `minCell` px. */
export interface GridLayout {
  columns: number;
  rows: number;
  cellWidth: number;
}

/** Wraps channels into rows so every cell stays at least `minCell` px wide (big layers get several rows). */
export function gridLayout(count: number, width: number, minCell = 6): GridLayout {
  if (count === 0 || width <= 0) return { columns: 0, rows: 0, cellWidth: 0 };
  const columns = Math.max(1, Math.min(count, Math.floor(width / minCell)));
  const rows = Math.ceil(count / columns);
  return { columns, rows, cellWidth: width / columns };
}

/**
 * The cut line between the first `cut` cells (pruned, in sorted order) and the rest, as a
 * polyline in cell units (x = column, y = row) for a row-major grid of `columns` columns.
 */
export function cutPolyline(cut: number, columns: number, rows: number): [number, number][] {
  if (columns === 0 || cut <= 0) return [];
  const row = Math.floor(cut / columns);
  const col = cut % columns;
  if (row >= rows) return [];
  if (rows === 1) return [[col, 0], [col, 1]]; // one row: a plain vertical cut
  if (col === 0) return [[0, row], [columns, row]];
  return [[0, row + 1], [col, row + 1], [col, row], [columns, row]];
}

/** Cell under a point (CSS px) of a grid, or undefined outside it / past the last channel. */
export function cellAt(x: number, y: number, grid: GridLayout, cellHeight: number, count: number): number | undefined {
  if (x < 0 || y < 0) return undefined;
  const col = Math.floor(x / grid.cellWidth);
  const row = Math.floor(y / cellHeight);
  if (col >= grid.columns || row >= grid.rows) return undefined;
  const index = row * grid.columns + col;
  return index < count ? index : undefined;
}

/**
 * Attention heads: one cell per head of `unit` channels (removed together), scored by the sum of
 * its channels' scores; a head is pruned when its channels are.
 */
export function perUnit(values: ArrayLike<number>, pruned: ArrayLike<boolean>, unit: number): { values: Float64Array; pruned: boolean[] } {
  const n = Math.floor(values.length / unit);
  const out = new Float64Array(n);
  const gone: boolean[] = [];
  for (let h = 0; h < n; h++) {
    let s = 0;
    let all = true;
    for (let j = h * unit; j < (h + 1) * unit; j++) {
      s += values[j]!;
      all &&= !!pruned[j];
    }
    out[h] = s;
    gone.push(all);
  }
  return { values: out, pruned: gone };
}

/** A head-aligned pruned mask when the plan's own list is not known: the lowest-scoring heads, expanded to channels. */
export function prunedUnitsMask(values: ArrayLike<number>, ratio: number, unit: number): boolean[] {
  const heads = perUnit(values, new Array<boolean>(values.length).fill(false), unit).values;
  const headMask = prunedMask(heads, ratio, 1);
  return Array.from({ length: values.length }, (_, c) => headMask[Math.floor(c / unit)]!);
}
