// The Sparsity tab's heatmap (SVG, d3 colour scale): one row per layer, its name and share of zero
// weights above a strip of cells, one per output channel (averaged into at most MAX_CELLS columns on
// wide layers), coloured by the share of that channel's weights that are zero. Layers left dense
// (e.g. an input width that is not a multiple of M) are listed grey with why. A legend explains it.
// A row is a button: click, Enter or Space selects its layer (in the graph).
import * as d3 from 'd3';
import { useId, useRef } from 'react';
import type { SparsityMap } from '../../workers/protocol';
import { binValues, shortLayerName } from '../panels/compress-format';
import { useWidth } from './use-width';

const MAX_CELLS = 64;
const ROW_H = 40;
const STRIP_H = 16;
const colour = (v: number) => d3.interpolateViridis(v);

/** Zeros per layer and output channel, with a legend. */
export function SparsityHeatmap({ map, labelOf = shortLayerName, selectedId, onSelect }: { map: SparsityMap; labelOf?: (id: string) => string; selectedId?: string; onSelect?(id: string): void }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const width = Math.max(120, useWidth(boxRef));
  const rows = [...map.layers.map((l) => ({ kind: 'sparse' as const, l })), ...map.dense.map((d) => ({ kind: 'dense' as const, d }))];
  const height = rows.length * ROW_H + 4;
  return (
    <figure className="sparsity-heatmap" data-testid="sparsity-heatmap" data-rows={map.layers.length}>
      <div ref={boxRef} className="sparsity-heatmap-box">
        <svg width={width} height={height} role="img" aria-label={`Zero weights per layer and output channel: ${map.layers.length} layers sparsified, ${map.dense.length} dense, ${(100 * map.sparsity).toFixed(1)} % zeros overall`}>
          {rows.map((row, i) => {
            const top = i * ROW_H;
            if (row.kind === 'dense') {
              return (
                <g key={`dense-${row.d.node}`} transform={`translate(0,${top})`} className="sparsity-dense-row">
                  <title>{`${labelOf(row.d.node)}: dense — ${row.d.reason}`}</title>
                  <text x={0} y={14} fontSize={13} className="sparsity-row-label">{truncate(labelOf(row.d.node), width / 7.5 - 8)}</text>
                  <text x={width} y={14} fontSize={13} textAnchor="end" className="sparsity-row-value">dense</text>
                  <rect x={0} y={19} width={width} height={STRIP_H} className="sparsity-dense-strip" />
                  <text x={6} y={19 + STRIP_H - 4} fontSize={11} className="sparsity-dense-reason">{truncate(row.d.reason, width / 6.5 - 2)}</text>
                </g>
              );
            }
            const cells = binValues(row.l.perOutput, MAX_CELLS);
            const cw = width / cells.length;
            return (
              <g key={row.l.node} transform={`translate(0,${top})`} data-layer={row.l.node} className="sparsity-row" role="button" tabIndex={0}
                aria-pressed={row.l.node === selectedId} aria-label={`${row.l.node}: ${(100 * row.l.sparsity).toFixed(1)} % zeros`}
                onClick={() => onSelect?.(row.l.node)} onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect?.(row.l.node); } }}>
                {row.l.node === selectedId && <rect x={0} y={0} width={width} height={ROW_H - 2} className="sparsity-row-selected" />}
                <title>{`${labelOf(row.l.node)} (${row.l.op}): ${(100 * row.l.sparsity).toFixed(1)} % of ${row.l.size.toLocaleString('en-US')} weights are zero; ${row.l.perOutput.length} output channels${cells.length < row.l.perOutput.length ? `, ${cells.length} columns` : ''}`}</title>
                <text x={0} y={14} fontSize={13} className="sparsity-row-label">{truncate(labelOf(row.l.node), width / 7.5 - 8)}</text>
                <text x={width} y={14} fontSize={13} fontWeight={600} textAnchor="end" className="sparsity-row-value">{(100 * row.l.sparsity).toFixed(1)} %</text>
                {cells.map((v, c) => <rect key={c} x={c * cw} y={19} width={Math.max(1, cw - (cw > 4 ? 1 : 0))} height={STRIP_H} fill={colour(v)} />)}
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption><SparsityLegend /></figcaption>
    </figure>
  );
}

function truncate(text: string, chars: number): string {
  const n = Math.max(8, Math.floor(chars));
  return text.length <= n ? text : `…${text.slice(text.length - n + 1)}`;
}

/** Gradient from no zeros to all zeros, and the swatch of a dense layer. */
function SparsityLegend() {
  const gradientId = useId();
  const stops = d3.range(0, 1.0001, 0.1);
  return (
    <svg className="color-legend" width={300} height={40} role="img" aria-label="Colour: share of an output channel's weights that are zero, 0 % to 100 %; grey: layer left dense">
      <defs>
        <linearGradient id={gradientId}>
          {stops.map((t) => <stop key={t} offset={`${t * 100}%`} stopColor={colour(t)} />)}
        </linearGradient>
      </defs>
      <text x={0} y={12} fontSize={12} fill="currentColor">zero weights per output channel</text>
      <rect x={0} y={17} width={180} height={12} fill={`url(#${gradientId})`} />
      <text x={0} y={39} fontSize={12} fill="currentColor">0 %</text>
      <text x={90} y={39} fontSize={12} fill="currentColor" textAnchor="middle">50 %</text>
      <text x={180} y={39} fontSize={12} fill="currentColor" textAnchor="end">100 %</text>
      <rect x={194} y={17} width={16} height={12} className="sparsity-dense-strip" />
      <text x={215} y={27} fontSize={12} fill="currentColor">dense layer</text>
    </svg>
  );
}
