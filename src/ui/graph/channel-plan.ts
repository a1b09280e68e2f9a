// The plan on the graph: channels each node outputs before and after the plan, which nodes are
// barriers, and the per-node values the colour modes paint. Pure and cheap (no tensors): the
// groups' channel ranges come from the worker once per model, the keep lists from the plan's cost,
// so a slider move recomputes counts only — never the layout.
import type { ChannelRange, GroupSummary, ModelSummary } from '../../workers/protocol';

/** A range of one group's channels carried by a tensor. */
export interface GroupRange extends Omit<ChannelRange, 'tensor'> {
  group: GroupSummary;
}

/** Tensor name → the group ranges it carries, in channel order (computed once per groups). */
export function tensorRanges(groups: readonly GroupSummary[]): Map<string, GroupRange[]> {
  const byTensor = new Map<string, GroupRange[]>();
  for (const group of groups) {
    for (const { tensor, start, length } of group.tensors ?? []) {
      const list = byTensor.get(tensor) ?? [];
      list.push({ group, start, length });
      byTensor.set(tensor, list);
    }
  }
  return byTensor;
}

/** How many of the sorted indices `sorted` lie in [start, end). */
function countIn(sorted: readonly number[], start: number, end: number): number {
  const lower = (v: number): number => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return lower(end) - lower(start);
}

export interface TensorChannels {
  before: number;
  after: number;
  /** Group ids in channel order (a Concat output has several). */
  groups: string[];
  /** Why some of these channels cannot be pruned (the barrier groups' reasons). */
  barrier?: string;
  /** Every channel belongs to a barrier group. */
  allBarrier: boolean;
}

/** Channels of `tensor` before and after the plan (`keep`: group id → kept indices; absent group = all kept). */
export function tensorChannels(ranges: readonly GroupRange[], keep: Readonly<Record<string, readonly number[]>> | undefined, sortedKeep = new Map<string, number[]>()): TensorChannels {
  let before = 0, after = 0;
  const reasons = new Set<string>();
  const groups: string[] = [];
  for (const r of ranges) {
    before += r.length;
    const kept = keep?.[r.group.id];
    if (kept) {
      let sorted = sortedKeep.get(r.group.id);
      if (!sorted) sortedKeep.set(r.group.id, (sorted = [...kept].sort((a, b) => a - b)));
      after += countIn(sorted, r.start, r.start + r.length);
    } else after += r.length;
    if (!groups.includes(r.group.id)) groups.push(r.group.id);
    if (!r.group.prunable) reasons.add(r.group.reason ?? 'not prunable');
  }
  const allBarrier = ranges.length > 0 && ranges.every((r) => !r.group.prunable);
  return { before, after, groups, allBarrier, ...(reasons.size ? { barrier: [...reasons].join('; ') } : {}) };
}

/** The tensor a displayed node's channels are read from: its first output (ports: their tensor). */
export function nodeTensors(summary: ModelSummary): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of summary.inputs) map.set(p.id, p.name);
  for (const p of summary.outputs) map.set(p.id, p.name);
  for (const n of summary.nodes) if (n.outputs[0]) map.set(n.id, n.outputs[0]);
  return map;
}

export interface PlanOnGraph {
  /** Node id → its output channels (only nodes whose output carries tracked channels). */
  nodes: Map<string, TensorChannels>;
  /** Tensor name → channels (edge widths). */
  tensors: Map<string, TensorChannels>;
  /** Widest tensor before the plan (edge width scale). */
  maxChannels: number;
  /** Some group keeps fewer channels than it has. */
  hasPlan: boolean;
}

/** Channel counts of every node and tensor under the plan's keep lists. */
export function planOnGraph(summary: ModelSummary, ranges: ReadonlyMap<string, GroupRange[]>, keep: Readonly<Record<string, readonly number[]>> | undefined): PlanOnGraph {
  const sortedKeep = new Map<string, number[]>();
  const tensors = new Map<string, TensorChannels>();
  let maxChannels = 0;
  let hasPlan = false;
  for (const [tensor, list] of ranges) {
    const c = tensorChannels(list, keep, sortedKeep);
    tensors.set(tensor, c);
    maxChannels = Math.max(maxChannels, c.before);
    hasPlan ||= c.after < c.before;
  }
  const nodes = new Map<string, TensorChannels>();
  for (const [id, tensor] of nodeTensors(summary)) {
    const c = tensors.get(tensor);
    if (c) nodes.set(id, c);
  }
  return { nodes, tensors, maxChannels, hasPlan };
}

/** What a box says about its channels: "64 ch", or "64 → 32" once a plan thins any layer. */
export function channelText(c: TensorChannels, hasPlan: boolean): string {
  return hasPlan && !c.allBarrier ? `${c.before} → ${c.after}` : `${c.before} ch`;
}

/** The same for screen readers: "64 → 32 channels", "10 channels, barrier: model output". */
export function channelSpeech(c: TensorChannels, hasPlan: boolean): string {
  const count = hasPlan && !c.allBarrier ? `${c.before} → ${c.after} channels` : `${c.before} channels`;
  return c.barrier ? `${count}, barrier: ${c.barrier}` : count;
}

/** Stroke width of an edge carrying `channels` (area ∝ channels, 1–7 px at zoom 1). */
export function edgeWidth(channels: number | undefined, maxChannels: number): number | undefined {
  if (channels === undefined || maxChannels <= 0) return undefined;
  return 1 + 6 * Math.sqrt(Math.max(0, channels) / maxChannels);
}
