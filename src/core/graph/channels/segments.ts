// Operations on segment lists (the positions along a channel axis).
import type { Segment } from './types.js';

/** Number of channel positions a segment list covers. */
export function segmentsLength(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += s.length;
  return n;
}

/** Positions [from, from + length) of a segment list, as a new segment list. */
export function subSegments(segments: readonly Segment[], from: number, length: number): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  const to = from + length;
  for (const s of segments) {
    const a = Math.max(from, offset);
    const b = Math.min(to, offset + s.length);
    if (a < b) out.push({ space: s.space, start: s.start + (a - offset), length: b - a });
    offset += s.length;
  }
  return out;
}

/** Which channels of each space are kept: space index → sorted kept channels (absent: all kept). */
export type KeepBySpace = ReadonlyMap<number, readonly number[]>;

/**
 * Kept positions (after block expansion) of a segment list, or undefined when all are kept. With
 * `unit` > 1 a position stands for `unit` consecutive channels (a head), kept when its channels are
 * (plans keep whole units).
 */
export function keptPositions(segments: readonly Segment[], keep: KeepBySpace, block = 1, unit = 1): number[] | undefined {
  let pruned = false;
  const channels: number[] = [];
  let offset = 0;
  for (const s of segments) {
    const kept = keep.get(s.space);
    if (!kept) {
      for (let i = 0; i < s.length; i++) channels.push(offset + i);
    } else {
      for (const k of kept) if (k >= s.start && k < s.start + s.length) channels.push(offset + k - s.start);
      if (channels.length !== offset + s.length) pruned = true;
    }
    offset += s.length;
  }
  if (!pruned) return undefined;
  if (unit > 1) return channels.filter((c) => c % unit === 0).map((c) => c / unit);
  if (block === 1) return channels;
  const out: number[] = [];
  for (const c of channels) for (let j = 0; j < block; j++) out.push(c * block + j);
  return out;
}

/** Number of kept channels of a segment list (before block expansion). */
export function keptCount(segments: readonly Segment[], keep: KeepBySpace): number {
  let n = 0;
  for (const s of segments) {
    const kept = keep.get(s.space);
    if (!kept) n += s.length;
    else for (const k of kept) if (k >= s.start && k < s.start + s.length) n++;
  }
  return n;
}

/** Number of positions along a layout's channel axis (outer factor not included). */
export function layoutPositions(layout: { segments: readonly Segment[]; block: number; unit?: number }): number {
  return (segmentsLength(layout.segments) / (layout.unit ?? 1)) * layout.block;
}
