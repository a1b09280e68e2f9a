// Overview of the whole graph with the visible area outlined; click or drag to move there.
import type { ZoomTransform } from 'd3';
import { useEffect, useMemo, useRef, type PointerEvent } from 'react';
import { useStudio } from '../store/store';
import type { LayoutResult } from '../../workers/protocol';
import { visibleRect, type Size } from './zoom-math';
import { prepareCanvas } from '../charts/canvas-utils';

const WIDTH = 180;
const HEIGHT = 150;
/** Very tall or wide graphs would give a sliver: keep the minimap at least this big to click. */
const MIN_SIDE = 36;

/** The boxes, painted once per layout, theme and colouring on a canvas (cheap for thousands of boxes). */
function MinimapBoxes({ layout, scale, width, height, colours }: { layout: LayoutResult; scale: number; width: number; height: number; colours?: ReadonlyMap<string, string> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useStudio((s) => s.theme);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas && prepareCanvas(canvas, width, height);
    if (!canvas || !ctx) return;
    ctx.scale(scale, scale);
    const css = getComputedStyle(canvas);
    const noValue = css.getPropertyValue('--surface').trim();
    for (const n of layout.nodes) {
      ctx.fillStyle = colours ? (colours.get(n.id) ?? noValue) : css.getPropertyValue(`--fam-${n.family}`).trim();
      ctx.fillRect(n.x - n.width / 2, n.y - n.height / 2, n.width, n.height);
    }
  }, [layout, scale, width, height, colours, theme]);
  return <canvas ref={ref} style={{ width, height }} aria-hidden="true" />;
}

interface Props {
  layout: LayoutResult;
  transform: ZoomTransform;
  view: Size;
  /** Centre the main view on graph point (x, y). */
  onNavigate(x: number, y: number): void;
  /** Box fills of the graph's value colour mode (undefined: op-family colours). */
  colours?: ReadonlyMap<string, string>;
}

/** The minimap; its scale makes the whole graph fit WIDTH×HEIGHT. */
export function Minimap({ layout, transform, view, onNavigate, colours }: Props) {
  const scale = useMemo(() => Math.min(WIDTH / Math.max(1, layout.width), HEIGHT / Math.max(1, layout.height)), [layout]);
  const r = visibleRect(transform, view);
  const navigate = (e: PointerEvent<SVGSVGElement>): void => {
    if (e.type === 'pointermove' && e.buttons !== 1) return;
    const box = e.currentTarget.getBoundingClientRect();
    onNavigate((e.clientX - box.left) / scale, (e.clientY - box.top) / scale);
  };
  const width = Math.max(MIN_SIDE, layout.width * scale);
  const height = Math.max(MIN_SIDE, layout.height * scale);
  return (
    <div className="minimap" style={{ width, height }}>
      <MinimapBoxes layout={layout} scale={scale} width={width} height={height} colours={colours} />
      <svg
        width={width}
        height={height}
        aria-label="Graph overview: click to move there"
        data-testid="minimap"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          navigate(e);
        }}
        onPointerMove={navigate}
      >
        <g transform={`scale(${scale})`}>
          <rect className="mini-viewport" x={r.x} y={r.y} width={r.width} height={r.height} vectorEffect="non-scaling-stroke" />
        </g>
      </svg>
    </div>
  );
}
