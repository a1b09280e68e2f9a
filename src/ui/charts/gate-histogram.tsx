// The live gate histogram (d3 scales in an SVG, React renders): every gate's value over [0, 1] in
// 20 bins, the undecided middle (0.05–0.95) shaded, the share still undecided in large type. As GDP
// polarises the gates the bars move to the two ends: 0 (the channel goes) and 1 (it stays).
import * as d3 from 'd3';
import { useRef } from 'react';
import type { GateHistogram } from '../../core/train/gates';
import { histogramBars, undecidedText } from './gate-histogram-data';
import { useWidth } from './use-width';

const COLOURS = { removed: '#b91c1c', undecided: '#d97706', kept: '#15803d', band: 'rgba(217, 119, 6, 0.08)' };

/** The histogram of the current gates; `step` labels when it was taken. */
export function GateHistogramChart({ histogram, step, total, height = 190, fontSize: FONT = 15 }: { histogram: GateHistogram; step?: number; total?: number; height?: number; fontSize?: number }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = useWidth(boxRef);
  const margin = { top: 0.6 * FONT, right: 0.8 * FONT, bottom: 2.6 * FONT, left: 3 * FONT };
  const innerW = Math.max(10, width - margin.left - margin.right);
  const innerH = height - margin.top - margin.bottom;
  const bars = histogramBars(histogram);
  const x = d3.scaleLinear().domain([0, 1]).range([0, innerW]);
  const top = Math.max(0.05, d3.max(bars, (b) => b.share) ?? 0);
  // Square-root scale: the few gates left undecided stay visible beside the two large piles at 0 and 1.
  const y = d3.scaleSqrt().domain([0, top]).nice(4).range([innerH, 0]);
  const colour = (b: (typeof bars)[number]) => (b.undecided ? COLOURS.undecided : b.to <= 0.05 ? COLOURS.removed : COLOURS.kept);
  const pct = d3.format('.0%');
  return (
    <figure ref={boxRef} data-testid="gate-histogram" data-undecided={histogram.undecided.toFixed(4)} data-zero={histogram.zero} data-step={step ?? ''}
      style={{ margin: 0, width: '100%' }}>
      <figcaption style={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: '0.2em 1em', fontSize: FONT + 1 }}>
        <strong data-testid="gates-undecided">{undecidedText(histogram)}</strong>
        <span>{histogram.zero} of {histogram.total} gates at 0{step !== undefined ? ` · step ${step}${total ? `/${total}` : ''}` : ''}</span>
      </figcaption>
      <svg width={Math.max(width, 1)} height={height} role="img"
        aria-label={`Gate histogram (share of gates per value, square-root scale): ${undecidedText(histogram)}, ${histogram.zero} of ${histogram.total} gates at 0`}>
        <g transform={`translate(${margin.left},${margin.top})`}>
          <rect x={x(0.05)} width={x(0.95) - x(0.05)} y={0} height={innerH} fill={COLOURS.band} />
          {[...new Set([0.01, 0.1, 0.25, 0.5, 1].filter((t) => t <= y.domain()[1]!))].map((t) => (
            <g key={t} transform={`translate(0,${y(t)})`}>
              <line x2={innerW} stroke="var(--border)" strokeWidth={1} />
              <text x={-6} dy="0.32em" textAnchor="end" fontSize={FONT - 2} fill="currentColor">{pct(t)}</text>
            </g>
          ))}
          {bars.map((b) => (
            <rect key={b.from} data-testid="gate-bin" x={x(b.from) + 1} width={Math.max(1, x(b.to) - x(b.from) - 2)} y={y(b.share)} height={innerH - y(b.share)} fill={colour(b)}>
              <title>{`${b.from.toFixed(2)}–${b.to.toFixed(2)}: ${b.count} gates (${pct(b.share)})`}</title>
            </rect>
          ))}
          <line y1={innerH} y2={innerH} x2={innerW} stroke="currentColor" />
          {[0, 0.5, 1].map((t) => (
            <text key={t} x={x(t)} y={innerH + FONT * 1.1} textAnchor={t === 0 ? 'start' : t === 1 ? 'end' : 'middle'} fontSize={FONT - 1} fill="currentColor">{t}</text>
          ))}
          <text x={0} y={innerH + FONT * 2.3} fontSize={FONT - 1} fill={COLOURS.removed}>← goes</text>
          <text x={x(0.5)} y={innerH + FONT * 2.3} textAnchor="middle" fontSize={FONT - 1} fill={COLOURS.undecided}>undecided</text>
          <text x={innerW} y={innerH + FONT * 2.3} textAnchor="end" fontSize={FONT - 1} fill={COLOURS.kept}>stays →</text>
        </g>
      </svg>
    </figure>
  );
}
