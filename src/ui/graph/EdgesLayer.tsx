// The graph's edges: dagre's routed points drawn as smooth paths with arrowheads, as wide as the
// channels they carry once the groups are known.
import { curveBasis, line } from 'd3';
import { memo } from 'react';
import type { LayoutEdge, Point } from '../../workers/protocol';

const path = line<Point>()
  .x((p) => p.x)
  .y((p) => p.y)
  .curve(curveBasis);

/** SVG path data of every edge, computed once per layout (culling then only filters). */
export function edgePaths(edges: LayoutEdge[]): Map<LayoutEdge, string> {
  return new Map(edges.map((e) => [e, path(e.points) ?? '']));
}

interface Props {
  edges: LayoutEdge[];
  paths: Map<LayoutEdge, string>;
  highlightId?: string;
  /** Stroke width per tensor (by its channels after the plan); default width when absent. */
  widths?: ReadonlyMap<string, number>;
}

/** The given edges; re-renders only when they or the highlighted box change. */
export const EdgesLayer = memo(function EdgesLayer({ edges, paths, highlightId, widths }: Props) {
  return (
    <g className="edges">
      {edges.map((e) => {
        const width = widths?.get(e.tensor);
        return (
        <path
          key={`${e.from}>${e.to}`}
          d={paths.get(e) ?? ''}
          className={`edge${e.detour ? ' edge-detour' : ''}${highlightId && (e.from === highlightId || e.to === highlightId) ? ' edge-active' : ''}`}
          markerEnd="url(#arrow)"
          style={width ? { strokeWidth: width } : undefined}
        />
        );
      })}
    </g>
  );
});
