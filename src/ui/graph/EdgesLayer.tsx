// The graph's edges: dagre's routed points drawn as smooth paths with arrowheads.
import { curveBasis, line } from 'd3';
import { memo, useMemo } from 'react';
import type { LayoutEdge, Point } from '../../workers/protocol';

const path = line<Point>()
  .x((p) => p.x)
  .y((p) => p.y)
  .curve(curveBasis);

/** All edges; re-renders only when the layout or the highlighted box changes. */
export const EdgesLayer = memo(function EdgesLayer({ edges, highlightId }: { edges: LayoutEdge[]; highlightId?: string }) {
  const paths = useMemo(() => edges.map((e) => ({ key: `${e.from}>${e.to}`, e, d: path(e.points) ?? '' })), [edges]);
  return (
    <g className="edges">
      {paths.map(({ key, e, d }) => (
        <path
          key={key}
          d={d}
          className={`edge${e.detour ? ' edge-detour' : ''}${highlightId && (e.from === highlightId || e.to === highlightId) ? ' edge-active' : ''}`}
          markerEnd="url(#arrow)"
        />
      ))}
    </g>
  );
});
