// Small helpers shared by the canvas charts: DPR-correct sizing, the pruned-cell hatch, colours.
import * as d3 from 'd3';

/** Sizes a canvas for crisp drawing on high-DPI screens and returns its 2D context in CSS px. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | undefined {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

let hatch: CanvasPattern | null | undefined;

/** Diagonal hatch drawn over pruned channels: visible on every colour and in greyscale prints. */
export function hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  if (hatch !== undefined) return hatch;
  const tile = document.createElement('canvas');
  tile.width = 6;
  tile.height = 6;
  const t = tile.getContext('2d');
  if (!t) return (hatch = null);
  t.fillStyle = 'rgba(0,0,0,0.45)';
  t.fillRect(0, 0, 6, 6);
  t.strokeStyle = 'rgba(255,255,255,0.75)';
  t.lineWidth = 1.2;
  t.beginPath();
  t.moveTo(0, 6);
  t.lineTo(6, 0);
  t.moveTo(-1, 1);
  t.lineTo(1, -1);
  t.moveTo(5, 7);
  t.lineTo(7, 5);
  t.stroke();
  hatch = ctx.createPattern(tile, 'repeat');
  return hatch;
}

/** The importance colour scale: viridis (perceptually uniform, colour-blind safe, readable on a projector). */
export function importanceColour(domain: [number, number]): (value: number) => string {
  const [lo, hi] = domain;
  const scale = d3.scaleSequential(d3.interpolateViridis).domain(hi > lo ? [lo, hi] : [lo - 1, lo + 1]);
  return (v) => (Number.isFinite(v) ? scale(v) : '#888');
}

/** Min and max of the finite values (0..1 when there are none). */
export function finiteExtent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Compact number for legends and tooltips (3 significant digits, exponent for tiny/huge). */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return d3.format('.3~g')(v);
}
