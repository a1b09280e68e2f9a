// Per-channel importance heatmap of one dependency group, drawn on a canvas (layers with
// thousands of channels stay fast). Channels wrap into rows; pruned ones are dimmed and hatched;
// in sorted order a cut line separates the removed channels from the kept ones.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useWidth } from './use-width';
import { finiteExtent, formatScore, hatchPattern, importanceColour, prepareCanvas } from './canvas-utils';
import { ColorLegend } from './color-legend';
import { cellAt, cutPolyline, displayOrder, gridLayout, type ChannelOrder } from './heatmap-math';

/** Height budget of the channel map (CSS px) before rows get thinner. */
const MAX_HEIGHT = 200;

export interface ChannelHeatmapProps {
  /** One importance score per channel (file order). */
  values: ArrayLike<number>;
  /** true = the plan removes this channel (file order). */
  pruned: ArrayLike<boolean>;
  order: ChannelOrder;
  /** Accessible name ("Channel importance of conv1"). */
  label: string;
  /** Legend title (what the score is). */
  scoreName: string;
  /** Row height for small layers (rows get thinner when a big layer wraps). */
  cellHeight?: number;
  minCell?: number;
  /** What a cell is ("channel", or "head" for attention heads); defaults to channel. */
  cellName?: string;
}

/** Canvas heatmap of a group's channels with legend, cut line and hover read-out. */
export function ChannelHeatmap({ values, pruned, order, label, scoreName, cellHeight: tallest = 22, minCell = 7, cellName = 'channel' }: ChannelHeatmapProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useWidth(boxRef);
  const [hover, setHover] = useState<number>();

  const indices = useMemo(() => displayOrder(values, order), [values, order]);
  const domain = useMemo(() => finiteExtent(values), [values]);
  const grid = useMemo(() => gridLayout(values.length, width, minCell), [values.length, width, minCell]);
  const prunedTotal = useMemo(() => Array.from(pruned).filter(Boolean).length, [pruned]);
  // Big layers wrap into many rows: shrink the rows so the map stays about 200 px tall.
  const cellHeight = Math.max(4, Math.min(tallest, Math.floor(MAX_HEIGHT / Math.max(1, grid.rows))));
  const height = Math.max(1, grid.rows * cellHeight);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || grid.columns === 0) return;
    const ctx = prepareCanvas(canvas, width, height);
    if (!ctx) return;
    const colour = importanceColour(domain);
    const pattern = hatchPattern(ctx);
    const gap = grid.cellWidth > 4 ? 1 : 0;
    indices.forEach((channel, slot) => {
      const x = (slot % grid.columns) * grid.cellWidth;
      const y = Math.floor(slot / grid.columns) * cellHeight;
      ctx.fillStyle = colour(values[channel]!);
      ctx.fillRect(x, y, grid.cellWidth - gap, cellHeight - 1);
      if (pruned[channel] && pattern) {
        ctx.fillStyle = pattern;
        ctx.fillRect(x, y, grid.cellWidth - gap, cellHeight - 1);
      }
    });
    // The cut is a single line only when the pruned channels are contiguous: sorted order.
    if (order === 'sorted' && prunedTotal > 0) {
      const line = cutPolyline(prunedTotal, grid.columns, grid.rows);
      ctx.strokeStyle = '#ff3b30';
      ctx.lineWidth = 3;
      ctx.beginPath();
      line.forEach(([cx, cy], i) => {
        const px = Math.min(width - 1.5, Math.max(1.5, cx * grid.cellWidth));
        const py = Math.min(height - 1.5, Math.max(1.5, cy * cellHeight));
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
      ctx.stroke();
    }
  }, [values, pruned, indices, domain, grid, width, height, cellHeight, order, prunedTotal]);

  const onMove = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const rect = e.currentTarget.getBoundingClientRect();
    const slot = cellAt(e.clientX - rect.left, e.clientY - rect.top, grid, cellHeight, values.length);
    setHover(slot === undefined ? undefined : indices[slot]);
  };

  const kept = values.length - prunedTotal;
  return (
    <figure className="channel-heatmap" data-testid="channel-heatmap" aria-label={label}>
      <div ref={boxRef} className="channel-heatmap-box">
        <canvas ref={canvasRef} role="img" aria-label={`${label}: ${values.length} ${cellName}s, ${prunedTotal} pruned`}
          onPointerMove={onMove} onPointerLeave={() => setHover(undefined)} />
      </div>
      <figcaption>
        <ColorLegend domain={domain} title={scoreName} />
        <span className="heatmap-readout" aria-live="polite">
          {hover !== undefined
            ? `${cellName} ${hover}: ${formatScore(values[hover]!)}${pruned[hover] ? ' — pruned' : ''}`
            : `${kept} of ${values.length} ${cellName}s kept${order === 'sorted' ? ' (red line = cut, least important left)' : ''}`}
        </span>
      </figcaption>
    </figure>
  );
}
