// Number formatting for the pruning panels (projector-readable, compact).

/** 1234567 → "1.23 M"; small numbers stay exact; undefined → "—". */
export function compact(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(3)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toPrecision(3)} k`;
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes as KiB/MiB. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** 0.4567 → "45.7 %"; undefined → "—". */
export function percent(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)} %`;
}

/** Change from `before` to `after` as "−42.0 %". */
export function change(before: number | undefined, after: number | undefined): string {
  if (!before || after === undefined) return '';
  const d = (after - before) / before;
  if (Math.abs(d) < 0.0005) return '±0 %';
  return `${d < 0 ? '−' : '+'}${Math.abs(d * 100).toFixed(1)} %`;
}
