import type { OpFamily } from '../../core/graph/op-traits';
import type { EdgeSummary } from './model';
import type { WorkerResult } from './index';

// Layout worker: positions for the graph view (dagre, rankdir TB).

export interface LayoutNodeInput {
  id: string;
  opType: string;
  family: OpFamily;
  /** Label drawn in the box (op type, or the collapsed chain). */
  label: string;
  /** Single-data-input op that keeps the channel count (Relu, BatchNormalization, ...). */
  channelTransparent: boolean;
}

export interface LayoutRequest {
  jobId: number;
  nodes: LayoutNodeInput[];
  edges: EdgeSummary[];
  /** Collapse chains of channel-transparent ops into their producer and hide weight-only nodes. */
  compact: boolean;
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutNode {
  /** Id of the displayed node (the chain head when collapsed). */
  id: string;
  /** Centre of the box. */
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  family: OpFamily;
  /** Ids folded into this box in compact mode, head first (just [id] otherwise). */
  members: string[];
}

export interface LayoutEdge {
  from: string;
  to: string;
  tensor: string;
  points: Point[];
  /** A long edge implied by another path, drawn as an arc beside the graph (not routed by dagre). */
  detour?: boolean;
}

export interface LayoutResult {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
  /** Original node id → id of the box that shows it (identity unless compacted or hidden). */
  displayOf: Record<string, string>;
  /** Wall time of the dagre run in the worker, for the status line and benchmarks. */
  layoutMs: number;
}

/** The layout worker's API, exposed with Comlink. */
export interface LayoutWorkerApi {
  layout(request: LayoutRequest): Promise<WorkerResult<LayoutResult>>;
}
