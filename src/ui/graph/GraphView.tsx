// The model graph: laid out in the layout worker, drawn as SVG, panned and zoomed with d3-zoom.
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useElementSize } from '../hooks/use-element-size';
import { useStudio } from '../store/store';
import { learntPlanIsCurrent } from '../store/gates-slice';
import { CanvasLayer, hitTest } from './CanvasLayer';
import { edgeWidth, planOnGraph, tensorRanges } from './channel-plan';
import { nodeColours } from './colour-modes';
import { contains, cull, edgeBounds, grow, type Rect } from './culling';
import { edgePaths, EdgesLayer } from './EdgesLayer';
import { Legend } from './Legend';
import { Minimap } from './Minimap';
import { NodesLayer } from './NodesLayer';
import { searchNodes } from './search';
import { useZoom } from './use-zoom';
import { centerTransform, fitTransform, initialTransform, LABEL_MIN_SCALE, visibleRect } from './zoom-math';

const select = (id: string): void => useStudio.getState().select(id);
/**
 * Zoomed out past label scale, graphs with more boxes + edges than this are painted on a canvas
 * (DenseNet-121 compact: 194 boxes but 700 edges took 179 ms to render as SVG).
 */
const CANVAS_MIN_ITEMS = 500;
/**
 * Small graphs animate fit/centre moves. Big ones jump: an animated zoom across the label scale
 * re-renders a growing SVG window every frame (a 100 ms task on DenseNet-121).
 */
const isSmall = (layout: { nodes: unknown[]; edges: unknown[] }): boolean => layout.nodes.length + layout.edges.length <= CANVAS_MIN_ITEMS;

/** Graph canvas with minimap and legend; reacts to fit / centre requests from the store. */
export function GraphView() {
  const layout = useStudio((s) => s.layout);
  const summary = useStudio((s) => s.summary);
  const selectedId = useStudio((s) => s.selectedId);
  const query = useStudio((s) => s.searchQuery);
  const fitRequest = useStudio((s) => s.fitRequest);
  const centerRequest = useStudio((s) => s.centerRequest);
  const groups = useStudio((s) => s.groups);
  const selectedGroupId = useStudio((s) => s.selectedGroupId);
  // While gates train, their kept channels (live, and until the learnt plan's cost arrives); else the plan's.
  const keep = useStudio((s) => (s.gatesRun?.live && (s.gatesRun.running || (s.costPending && learntPlanIsCurrent(s))) ? s.gatesRun.live.kept : s.cost?.keep));
  const scores = useStudio((s) => s.scores);
  const sensitivity = useStudio((s) => s.sensitivityResult);
  const colourMode = useStudio((s) => s.graphColour);
  const containerRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const view = useElementSize(containerRef);
  const { transform, applyTransform } = useZoom(svgRef);

  const hasSize = view.width > 0 && view.height > 0;
  useEffect(() => {
    if (layout && hasSize) applyTransform(initialTransform(layout, view), false);
    // A new layout (or the first measurement) resets the view; resizes alone do not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, hasSize]);

  useEffect(() => {
    if (layout && hasSize && fitRequest > 0) applyTransform(fitTransform(layout, view), isSmall(layout));
    // Only on explicit requests.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fitRequest]);

  useEffect(() => {
    if (!layout || !centerRequest) return;
    const boxId = layout.displayOf[centerRequest.id] ?? centerRequest.id;
    const box = layout.nodes.find((n) => n.id === boxId);
    if (box) applyTransform(centerTransform(box.x, box.y, Math.max(transform.k, 0.9), view), isSmall(layout));
    // The request is the trigger; transform and view are read at that moment.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [centerRequest, layout]);

  const selectedBox = selectedId && layout ? (layout.displayOf[selectedId] ?? selectedId) : undefined;
  const matches = useMemo(() => {
    if (!summary || !layout || !query.trim()) return new Set<string>();
    return new Set(searchNodes(summary, query, 500).map((h) => layout.displayOf[h.id] ?? h.id));
  }, [summary, layout, query]);
  const showLabels = transform.k >= LABEL_MIN_SCALE;
  // Boxes of the selected dependency group's members (the channels pruned together).
  const groupBoxes = useMemo(() => {
    const members = groups?.find((g) => g.id === selectedGroupId)?.members ?? [];
    return new Set(members.map((id) => layout?.displayOf[id] ?? id));
  }, [groups, selectedGroupId, layout]);

  // The plan on the graph: counts, colours and edge widths follow the plan; the layout does not move.
  const ranges = useMemo(() => tensorRanges(groups ?? []), [groups]);
  const channels = useMemo(() => (summary && groups ? planOnGraph(summary, ranges, keep) : undefined), [summary, groups, ranges, keep]);
  const colours = useMemo(
    () => (channels && colourMode !== 'family' ? nodeColours(colourMode, { plan: channels, scores, sensitivity }) : undefined),
    [channels, colourMode, scores, sensitivity],
  );
  const edgeWidths = useMemo(() => {
    if (!channels) return undefined;
    const widths = new Map<string, number>();
    for (const [tensor, c] of channels.tensors) widths.set(tensor, edgeWidth(c.after, channels.maxChannels)!);
    return widths;
  }, [channels]);

  // Culling window: adjusted during render when the view leaves it (React's derived-state pattern).
  const [cullState, setCullState] = useState<{ layout?: typeof layout; window?: Rect }>({});
  const visible = visibleRect(transform, view);
  if (hasSize && layout && (cullState.layout !== layout || !cullState.window || !contains(cullState.window, visible))) {
    setCullState({ layout, window: grow(visible, 0.5) });
  }
  const bounds = useMemo(() => (layout ? edgeBounds(layout.edges) : []), [layout]);
  const paths = useMemo(() => edgePaths(layout?.edges ?? []), [layout]);
  const shown = useMemo(
    () => (layout && cullState.window && cullState.layout === layout ? cull(layout.nodes, layout.edges, bounds, cullState.window, selectedBox) : undefined),
    [layout, bounds, cullState, selectedBox],
  );

  const canvasMode = !!layout && !showLabels && layout.nodes.length + layout.edges.length > CANVAS_MIN_ITEMS;
  const layers = useMemo(
    () =>
      shown &&
      !canvasMode && (
        <>
          <EdgesLayer edges={shown.edges} paths={paths} highlightId={selectedBox} widths={edgeWidths} />
          <NodesLayer
            nodes={shown.nodes} showLabels={showLabels} selectedBox={selectedBox} matches={matches} groupBoxes={groupBoxes} onSelect={select}
            channels={channels} colours={colours?.colours}
          />
        </>
      ),
    [shown, paths, canvasMode, showLabels, selectedBox, matches, groupBoxes, edgeWidths, channels, colours],
  );
  const onCanvasClick = (e: MouseEvent<SVGSVGElement>): void => {
    if (!canvasMode || !layout || e.defaultPrevented) return;
    const box = e.currentTarget.getBoundingClientRect();
    const [x, y] = transform.invert([e.clientX - box.left, e.clientY - box.top]);
    const hit = hitTest(layout.nodes, x, y, 4 / transform.k);
    if (hit) select(hit.id);
  };

  return (
    <div className="graph-view" ref={containerRef}>
      {canvasMode && layout && (
        <CanvasLayer
          nodes={layout.nodes} edges={layout.edges} transform={transform} view={view} selectedBox={selectedBox} matches={matches} groupBoxes={groupBoxes}
          colours={colours?.colours} edgeWidths={edgeWidths}
        />
      )}
      <svg ref={svgRef} className="graph-svg" data-testid="graph" aria-label="Model graph" data-render={canvasMode ? 'canvas' : 'svg'} onClick={onCanvasClick}>
        <defs>
          {/* Sized in graph units: edges as wide as their channels would otherwise grow huge arrowheads. */}
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
        </defs>
        <g transform={transform.toString()}>{layers}</g>
      </svg>
      {layout && (
        <>
          <Minimap
            layout={layout}
            transform={transform}
            view={view}
            onNavigate={(x, y) => applyTransform(centerTransform(x, y, transform.k, view), false)}
            colours={colours?.colours}
          />
          <Legend nodes={layout.nodes} colours={colours} showsChannels={!!channels && channels.nodes.size > 0} />
        </>
      )}
    </div>
  );
}
