// Number and shape formatting for panels (compact, projector-readable).
import type { Dim } from '../workers/protocol';

/** 1234567 → "1.23 M"; small numbers stay exact. */
export function formatCount(n: number | undefined): string {
  if (n === undefined) return '—';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(3)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (abs >= 1e4) return `${(n / 1e3).toPrecision(3)} k`;
  return n.toLocaleString('en-US');
}

/** Bytes as KiB/MiB. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** [1, 64, 56, 56] → "1×64×56×56"; unknown → "?". */
export function formatShape(shape: Dim[] | undefined): string {
  if (!shape) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.join('×');
}
