// Multi-series line chart (d3 scales, axes and line generator in an SVG): the sensitivity curves,
// one line per group, metric drop against pruning ratio, with each group's chosen ratio marked.
import * as d3 from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useWidth } from './use-width';

export interface LineSeries {
  id: string;
  label: string;
  /** [x, y] points, x ascending. */
  points: [number, number][];
  /** An x to mark on the line (the chosen ratio); its y is interpolated. */
  marker?: number;
}

export interface LineChartProps {
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  /** Formats x ticks (percent for ratios). */
  xFormat?: (x: number) => string;
  yFormat?: (y: number) => string;
  highlightId?: string;
  onSelect?(id: string): void;
  height?: number;
  /** Smallest top of the y axis (default 0.05). */
  minYTop?: number;
}

const MARGIN = { top: 12, right: 16, bottom: 40, left: 56 };

/** Linear interpolation of y at x along ascending points (clamped at the ends). */
export function interpolateY(points: [number, number][], x: number): number | undefined {
  if (points.length === 0) return undefined;
  const i = d3.bisector((p: [number, number]) => p[0]).left(points, x);
  if (i <= 0) return points[0]![1];
  if (i >= points.length) return points[points.length - 1]![1];
  const [x0, y0] = points[i - 1]!;
  const [x1, y1] = points[i]!;
  return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** SVG line chart; hovering or clicking a line selects its series. */
export function LineChart({ series, xLabel, yLabel, xFormat = d3.format('.0%'), yFormat = d3.format('.1%'), highlightId, onSelect, height = 280, minYTop = 0.05 }: LineChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  const width = useWidth(boxRef);
  const [hoverId, setHoverId] = useState<string>();
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;

  const { x, y, colour } = useMemo(() => {
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const ys = series.flatMap((s) => s.points.map((p) => p[1]));
    const xScale = d3.scaleLinear().domain([Math.min(0, d3.min(xs) ?? 0), Math.max(1e-9, d3.max(xs) ?? 1)]).range([0, innerW]);
    // A floor on the top keeps all-flat curves readable (a 0…0 axis would repeat "0.0 %").
    const yScale = d3.scaleLinear().domain([Math.min(0, d3.min(ys) ?? 0), Math.max(minYTop, d3.max(ys) ?? 1)]).nice().range([innerH, 0]);
    const palette = d3.scaleOrdinal<string, string>(d3.schemeTableau10).domain(series.map((s) => s.id));
    return { x: xScale, y: yScale, colour: palette };
  }, [series, innerW, innerH, minYTop]);

  useEffect(() => {
    if (xAxisRef.current) d3.select(xAxisRef.current).call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 70))).tickFormat((v) => xFormat(Number(v))));
    if (yAxisRef.current) d3.select(yAxisRef.current).call(d3.axisLeft(y).ticks(5).tickFormat((v) => yFormat(Number(v))));
  }, [x, y, innerW, xFormat, yFormat]);

  const line = d3.line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
  const active = hoverId ?? highlightId;
  return (
    <div ref={boxRef} className="line-chart" data-testid="line-chart">
      <svg width={Math.max(width, 1)} height={height} role="img" aria-label={`${yLabel} against ${xLabel}, ${series.length} lines`}>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <g ref={xAxisRef} transform={`translate(0,${innerH})`} />
          <g ref={yAxisRef} />
          <text x={innerW / 2} y={innerH + 34} textAnchor="middle" fontSize={12} fill="currentColor">{xLabel}</text>
          <text transform={`translate(-44,${innerH / 2}) rotate(-90)`} textAnchor="middle" fontSize={12} fill="currentColor">{yLabel}</text>
          {series.map((s) => {
            const on = s.id === active;
            const markerY = s.marker !== undefined ? interpolateY(s.points, s.marker) : undefined;
            return (
              <g key={s.id} data-series={s.id} opacity={active && !on ? 0.25 : 1}
                onMouseEnter={() => setHoverId(s.id)} onMouseLeave={() => setHoverId(undefined)} onClick={() => onSelect?.(s.id)}
                style={{ cursor: onSelect ? 'pointer' : undefined }}>
                <title>{s.label}</title>
                <path d={line(s.points) ?? ''} fill="none" stroke={colour(s.id)} strokeWidth={on ? 3 : 1.5} />
                {/* A wide invisible stroke makes thin lines easy to hover on a projector. */}
                <path d={line(s.points) ?? ''} fill="none" stroke="transparent" strokeWidth={10} />
                {markerY !== undefined && s.marker !== undefined && (
                  <circle cx={x(s.marker)} cy={y(markerY)} r={on ? 6 : 4} fill={colour(s.id)} stroke="white" strokeWidth={1.5} />
                )}
              </g>
            );
          })}
        </g>
      </svg>
      {active && <div className="line-chart-caption">{series.find((s) => s.id === active)?.label}</div>}
    </div>
  );
}
