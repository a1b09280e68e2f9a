// Horizontal legend for the importance colour scale, with the pruned-cell swatch beside it.
import * as d3 from 'd3';
import { useId } from 'react';
import { formatScore } from './canvas-utils';

interface ColorLegendProps {
  domain: [number, number];
  /** What the colour means ("L1 norm of the filter", "normalised score"). */
  title: string;
  width?: number;
}

/** Gradient bar from low to high importance, with the hatch swatch for pruned channels. */
export function ColorLegend({ domain, title, width = 180 }: ColorLegendProps) {
  const gradientId = useId();
  const hatchId = useId();
  const stops = d3.range(0, 1.0001, 0.1);
  return (
    <svg className="color-legend" width={width + 110} height={34} role="img" aria-label={`${title}: ${formatScore(domain[0])} to ${formatScore(domain[1])}`}>
      <defs>
        <linearGradient id={gradientId}>
          {stops.map((t) => <stop key={t} offset={`${t * 100}%`} stopColor={d3.interpolateViridis(t)} />)}
        </linearGradient>
        <pattern id={hatchId} width={6} height={6} patternUnits="userSpaceOnUse">
          <rect width={6} height={6} fill="rgba(0,0,0,0.45)" />
          <path d="M0,6 L6,0" stroke="rgba(255,255,255,0.75)" strokeWidth={1.2} />
        </pattern>
      </defs>
      <text x={0} y={10} fontSize={10} fill="currentColor">{title}</text>
      <rect x={0} y={14} width={width} height={10} fill={`url(#${gradientId})`} />
      <text x={0} y={33} fontSize={10} fill="currentColor">{formatScore(domain[0])} (low)</text>
      <text x={width} y={33} fontSize={10} fill="currentColor" textAnchor="end">{formatScore(domain[1])} (high)</text>
      <rect x={width + 14} y={14} width={14} height={10} fill="#3b8" />
      <rect x={width + 14} y={14} width={14} height={10} fill={`url(#${hatchId})`} />
      <text x={width + 32} y={23} fontSize={10} fill="currentColor">pruned</text>
    </svg>
  );
}
