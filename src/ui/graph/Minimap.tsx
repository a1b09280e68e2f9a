// Overview of the whole graph with the visible area outlined; click or drag to move there.
import type { ZoomTransform } from 'd3';
import { memo, useMemo, type PointerEvent } from 'react';
import type { LayoutResult } from '../../workers/protocol';
import { visibleRect, type Size } from './zoom-math';

const WIDTH = 180;
const HEIGHT = 150;

const MinimapBoxes = memo(function MinimapBoxes({ layout }: { layout: LayoutResult }) {
  return (
    <g>
      {layout.nodes.map((n) => (
        <rect key={n.id} className={`mini-node fam-${n.family}`} x={n.x - n.width / 2} y={n.y - n.height / 2} width={n.width} height={n.height} />
      ))}
    </g>
  );
});

interface Props {
  layout: LayoutResult;
  transform: ZoomTransform;
  view: Size;
  /** Centre the main view on graph point (x, y). */
  onNavigate(x: number, y: number): void;
}

/** The minimap; its scale makes the whole graph fit WIDTH×HEIGHT. */
export function Minimap({ layout, transform, view, onNavigate }: Props) {
  const scale = useMemo(() => Math.min(WIDTH / Math.max(1, layout.width), HEIGHT / Math.max(1, layout.height)), [layout]);
  const r = visibleRect(transform, view);
  const navigate = (e: PointerEvent<SVGSVGElement>): void => {
    if (e.type === 'pointermove' && e.buttons !== 1) return;
    const box = e.currentTarget.getBoundingClientRect();
    onNavigate((e.clientX - box.left) / scale, (e.clientY - box.top) / scale);
  };
  return (
    <svg
      className="minimap"
      width={layout.width * scale}
      height={layout.height * scale}
      aria-label="Graph overview: click to move there"
      data-testid="minimap"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        navigate(e);
      }}
      onPointerMove={navigate}
    >
      <g transform={`scale(${scale})`}>
        <MinimapBoxes layout={layout} />
        <rect className="mini-viewport" x={r.x} y={r.y} width={r.width} height={r.height} vectorEffect="non-scaling-stroke" />
      </g>
    </svg>
  );
}
