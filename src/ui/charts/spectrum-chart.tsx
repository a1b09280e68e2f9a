// The Rank tab's chart for one layer (d3 scales and axes in an SVG): its singular values σᵢ on a log
// axis (kept components in the accent colour, dropped ones grey), the cumulative energy Σσ² kept on
// a second axis (0–100 %), the chosen rank as a vertical line, and the ranks at or above break-even
// (no MACs saved, never offered) shaded. Clicking picks the rank under the pointer.
import * as d3 from 'd3';
import { useEffect, useMemo, useRef, type MouseEvent } from 'react';
import { cumulativeEnergy } from '../panels/compress-format';
import { useWidth } from './use-width';

export interface SpectrumChartProps {
  sigma: readonly number[];
  /** The chosen rank; undefined = dense (every component kept). */
  rank?: number;
  breakEven: number;
  onPick?(rank: number): void;
  height?: number;
}

const MARGIN = { top: 14, right: 56, bottom: 42, left: 60 };

/** σ on a log axis and cumulative energy, with the rank marked. */
export function SpectrumChart({ sigma, rank, breakEven, onPick, height = 260 }: SpectrumChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  const eAxisRef = useRef<SVGGElement>(null);
  const width = useWidth(boxRef);
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const n = sigma.length;

  const { x, y, e, energy, floor } = useMemo(() => {
    const top = d3.max(sigma) || 1;
    // Zero singular values (rank-deficient weights) sit on the axis floor instead of at −∞.
    const lowest = d3.min(sigma.filter((s) => s > 0)) ?? top;
    const bottom = Math.max(lowest, top * 1e-6);
    return {
      x: d3.scaleLinear().domain([0.5, n + 0.5]).range([0, innerW]),
      // A little room above and below the points rather than .nice(), which can add a decade each side.
      y: d3.scaleLog().domain([bottom / 1.3, top * 1.3]).range([innerH, 0]),
      e: d3.scaleLinear().domain([0, 1]).range([innerH, 0]),
      energy: cumulativeEnergy(sigma),
      floor: bottom,
    };
  }, [sigma, n, innerW, innerH]);

  useEffect(() => {
    const ticks = Math.min(n, Math.max(2, Math.floor(innerW / 48)));
    if (xAxisRef.current) d3.select(xAxisRef.current).call(d3.axisBottom(x).ticks(ticks).tickFormat(d3.format('d')));
    if (yAxisRef.current) d3.select(yAxisRef.current).call(d3.axisLeft(y).ticks(5, '.2~g'));
    if (eAxisRef.current) d3.select(eAxisRef.current).call(d3.axisRight(e).ticks(5).tickFormat(d3.format('.0%')));
  }, [x, y, e, n, innerW]);

  const kept = rank ?? n;
  const energyLine = d3.line<number>().x((_, i) => x(i + 1)).y((v) => e(v))(energy) ?? '';
  const sigmaLine = d3.line<number>().x((_, i) => x(i + 1)).y((s) => y(Math.max(s, floor)))(sigma as number[]) ?? '';
  const pick = (event: MouseEvent<SVGRectElement>) => {
    if (!onPick) return;
    const box = event.currentTarget.getBoundingClientRect();
    const r = Math.round(x.invert(event.clientX - box.left));
    onPick(Math.max(1, Math.min(breakEven, r)));
  };
  const r = Math.min(5, Math.max(2.5, innerW / n / 3));
  return (
    <div ref={boxRef} className="spectrum-chart" data-testid="spectrum-chart">
      <svg width={Math.max(width, 1)} height={height} role="img"
        aria-label={`Singular values of the layer on a log axis and the energy kept, ${n} components, rank ${kept}, ${(100 * (energy[kept - 1] ?? 1)).toFixed(1)} % of the energy kept`}>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          {breakEven < n && (
            <g>
              <rect x={x(breakEven + 0.5)} y={0} width={x(n + 0.5) - x(breakEven + 0.5)} height={innerH} className="spectrum-no-gain" />
              {x(n + 0.5) - x(breakEven + 0.5) > 100
                ? <text x={x(breakEven + 0.5) + 4} y={14} fontSize={12} className="spectrum-note">no MACs saved</text>
                : <text transform={`translate(${(x(breakEven + 0.5) + x(n + 0.5)) / 2 + 4},${innerH / 2}) rotate(-90)`} textAnchor="middle" fontSize={12} className="spectrum-note">no MACs saved</text>}
            </g>
          )}
          <g ref={xAxisRef} transform={`translate(0,${innerH})`} className="axis" />
          <g ref={yAxisRef} className="axis" />
          <g ref={eAxisRef} transform={`translate(${innerW},0)`} className="axis energy-axis" />
          <text x={innerW / 2} y={innerH + 36} textAnchor="middle" fontSize={13} fill="currentColor">component (rank)</text>
          <text transform={`translate(-48,${innerH / 2}) rotate(-90)`} textAnchor="middle" fontSize={13} fill="currentColor">singular value σ (log)</text>
          <text transform={`translate(${innerW + 48},${innerH / 2}) rotate(-90)`} textAnchor="middle" fontSize={13} className="energy-label">energy kept</text>
          <path d={sigmaLine} fill="none" className="spectrum-sigma-line" />
          {sigma.map((s, i) => (
            <circle key={i} cx={x(i + 1)} cy={y(Math.max(s, floor))} r={r} className={i < kept ? 'spectrum-kept' : 'spectrum-dropped'}>
              <title>{`σ${i + 1} = ${s.toPrecision(3)}, cumulative energy ${(100 * energy[i]!).toFixed(1)} %`}</title>
            </circle>
          ))}
          <path d={energyLine} fill="none" className="spectrum-energy" strokeWidth={2.5} />
          <line x1={x(kept + 0.5)} x2={x(kept + 0.5)} y1={0} y2={innerH} className="spectrum-rank" strokeWidth={2} />
          <text x={Math.min(x(kept + 0.5) + 4, innerW - 60)} y={innerH - 8} fontSize={13} fontWeight={600} className="spectrum-rank-label">rank {kept}</text>
          <rect x={0} y={0} width={innerW} height={innerH} fill="transparent" onClick={pick} style={{ cursor: onPick ? 'pointer' : undefined }} />
        </g>
      </svg>
    </div>
  );
}
