// Overview of every prunable group at once: one row per group, scores normalised per row (so a
// 16-channel and a 2048-channel layer compare by shape, not scale). Click a row to select it.
import { useEffect, useMemo, useRef } from 'react';
import { useWidth } from './use-width';
import { hatchPattern, importanceColour, prepareCanvas } from './canvas-utils';
import { displayOrder, normalise, type ChannelOrder } from './heatmap-math';

export interface OverviewRow {
  id: string;
  label: string;
  values: ArrayLike<number>;
  pruned: ArrayLike<boolean>;
}

export interface OverviewHeatmapProps {
  rows: OverviewRow[];
  order: ChannelOrder;
  selectedId?: string;
  onSelect(id: string): void;
  rowHeight?: number;
}

const LABEL_WIDTH = 150;

/** Canvas with one normalised heatmap row per group; rows are also buttons for keyboard users. */
export function OverviewHeatmap({ rows, order, selectedId, onSelect, rowHeight = 14 }: OverviewHeatmapProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useWidth(boxRef);
  const height = rows.length * rowHeight;
  const prepared = useMemo(
    () => rows.map((row) => ({ norm: normalise(row.values), order: displayOrder(row.values, order) })),
    [rows, order],
  );

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= LABEL_WIDTH) return;
    const ctx = prepareCanvas(canvas, width, height);
    if (!ctx) return;
    const colour = importanceColour([0, 1]);
    const pattern = hatchPattern(ctx);
    const plotWidth = width - LABEL_WIDTH;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const textColour = getComputedStyle(canvas).color || '#222';
    rows.forEach((row, r) => {
      const y = r * rowHeight;
      const { norm, order: slots } = prepared[r]!;
      const n = slots.length;
      if (row.id === selectedId) {
        ctx.fillStyle = 'rgba(255,159,10,0.35)';
        ctx.fillRect(0, y, width, rowHeight);
      }
      ctx.fillStyle = textColour;
      ctx.fillText(row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label, 4, y + rowHeight / 2);
      // Each channel spans plotWidth / n px; several channels can share a pixel in big layers.
      for (let s = 0; s < n; s++) {
        const channel = slots[s]!;
        const x0 = LABEL_WIDTH + (s / n) * plotWidth;
        const x1 = LABEL_WIDTH + ((s + 1) / n) * plotWidth;
        ctx.fillStyle = colour(norm[channel]!);
        ctx.fillRect(x0, y + 1, Math.max(0.6, x1 - x0), rowHeight - 2);
        if (row.pruned[channel] && pattern) {
          ctx.fillStyle = pattern;
          ctx.fillRect(x0, y + 1, Math.max(0.6, x1 - x0), rowHeight - 2);
        }
      }
    });
  }, [rows, prepared, width, height, rowHeight, selectedId]);

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>): void => {
    const rect = e.currentTarget.getBoundingClientRect();
    const row = rows[Math.floor((e.clientY - rect.top) / rowHeight)];
    if (row) onSelect(row.id);
  };

  return (
    <div ref={boxRef} className="overview-heatmap" data-testid="overview-heatmap">
      <canvas ref={canvasRef} role="img" onClick={onClick} style={{ cursor: 'pointer' }}
        aria-label={`Normalised channel importance of ${rows.length} prunable groups; hatched = pruned. Click a row to select its group.`} />
      <ul className="visually-hidden">
        {rows.map((row) => (
          <li key={row.id}>
            <button type="button" aria-pressed={row.id === selectedId} onClick={() => onSelect(row.id)}>{row.label}</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
