// d3-zoom on an <svg>: d3 computes the transform, React renders with it.
import { select, zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { SCALE_EXTENT } from './zoom-math';

const reducedMotion = (): boolean => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

export interface ZoomControls {
  transform: ZoomTransform;
  /** Moves the view to `t` (animated unless the user prefers reduced motion). */
  applyTransform(t: ZoomTransform, animate?: boolean): void;
}

/** Attaches d3-zoom (wheel, drag, pinch) to the svg; double-click zoom is off (it selects). */
export function useZoom(svgRef: RefObject<SVGSVGElement | null>): ZoomControls {
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const behavior = useRef<ZoomBehavior<SVGSVGElement, unknown> | undefined>(undefined);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent(SCALE_EXTENT)
      .on('zoom', (event: { transform: ZoomTransform }) => setTransform(event.transform));
    select(svg).call(z).on('dblclick.zoom', null);
    behavior.current = z;
    return () => {
      select(svg).on('.zoom', null);
      behavior.current = undefined;
    };
  }, [svgRef]);

  const applyTransform = useCallback(
    (t: ZoomTransform, animate = true) => {
      const svg = svgRef.current;
      const z = behavior.current;
      if (!svg || !z) return;
      if (animate && !reducedMotion()) select(svg).transition().duration(350).call(z.transform, t);
      else select(svg).call(z.transform, t);
    },
    [svgRef],
  );

  return { transform, applyTransform };
}
