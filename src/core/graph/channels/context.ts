// The state of one channel analysis while it walks the graph: spaces, union-find, layouts,
// members. Op rules (rules-*.ts) read and extend it through this class.
import type { NodeProto, TensorProto } from '../../onnx/proto.js';
import type { GraphIR } from '../ir.js';
import { constantThroughIdentity, defaultOpset } from '../ir.js';
import type { Dim, ShapeResult } from '../shapes.js';
import { attrInt, attrInts } from '../attributes.js';
import { tensorToInts } from '../../onnx/tensor.js';
import type { ChannelLayout, ChannelSpace, Member, Segment } from './types.js';

/** Choices that change which groups are prunable. */
export interface AnalysisOptions {
  /**
   * Grouped convolutions (1 < group < C) become prunable groups that must lose the same number of
   * channels in every block (ChannelGroup.blocks) instead of barriers. Plans for such groups must
   * respect the blocks (planPrune does; see selectKeep). Default false.
   */
  groupedConvolutions?: boolean;
}

/** Analysis state shared by the op rules. */
export class ChannelContext {
  readonly spaces: ChannelSpace[] = [];
  readonly layouts = new Map<string, ChannelLayout>();
  readonly members: Member[] = [];
  readonly opset: number;
  private readonly parent: number[] = [];
  private readonly sharedWeights = new Map<string, { inSegs?: Segment[]; outSegs: Segment[] }>();
  /** Set while a rule runs: whether it accounted for the node's tracked channels (see followed). */
  private accounted = false;
  /** Decoded integer constants (the chunk-bound proofs read the same few constants thousands of times). */
  private readonly constantInts = new Map<TensorProto, number[]>();
  /** Spaces that must end in one group (else: barrier with the reason), checked when groups are built. */
  readonly mustTie: { spaces: number[]; reason: string }[] = [];

  constructor(readonly ir: GraphIR, readonly shapes: ShapeResult, readonly options: AnalysisOptions = {}) {
    this.opset = defaultOpset(ir.model);
  }

  /** Node id for messages. */
  id(node: NodeProto): string {
    return this.ir.nodeId.get(node) ?? node.name;
  }

  /** Creates a space of `length` channels. */
  newSpace(length: number, name: string, producer?: NodeProto): number {
    const index = this.spaces.length;
    this.spaces.push({ index, length, name, producer, barriers: [] });
    this.parent.push(index);
    return index;
  }

  /** Union-find root of a space. */
  find(space: number): number {
    let r = space;
    while (this.parent[r] !== r) r = this.parent[r]!;
    let s = space;
    while (this.parent[s] !== r) {
      const next = this.parent[s]!;
      this.parent[s] = r;
      s = next;
    }
    return r;
  }

  /** Ties two channel axes channel-for-channel; false when their segment structures cannot be tied. */
  unite(a: readonly Segment[], b: readonly Segment[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x.length !== y.length) return false;
      if (this.find(x.space) === this.find(y.space) && x.start === y.start) continue;
      const full = (s: Segment) => s.start === 0 && s.length === this.spaces[s.space]!.length;
      if (!full(x) || !full(y)) return false;
    }
    for (let i = 0; i < a.length; i++) {
      const ra = this.find(a[i]!.space);
      const rb = this.find(b[i]!.space);
      // The older space stays the root, so a group is named after its first producer.
      if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
    return true;
  }

  /** Records that a space's channels are removed in contiguous units of `unit` (heads of head_dim channels). */
  requireUnit(space: number, unit: number): void {
    const sp = this.spaces[space]!;
    if (!(sp.units ??= []).includes(unit)) sp.units.push(unit);
  }

  /**
   * Cuts a space into consecutive pieces at `cuts` (channel offsets), so that pieces can be tied to
   * each other (a packed QKV projection whose Q, K and V parts meet again in attention). Every
   * segment recorded so far is rewritten. Only a space tied to no other can be cut; false otherwise.
   */
  splitSpace(space: number, cuts: readonly number[]): boolean {
    if (this.parent.some((_, i) => this.find(i) === this.find(space) && i !== space)) return false;
    const sp = this.spaces[space]!;
    const bounds = [0, ...cuts, sp.length];
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!)) return false;
    const pieces = bounds.slice(0, -1).map((start, i) => ({ start, end: bounds[i + 1]!, space: i === 0 ? space : this.newSpace(bounds[i + 1]! - start, `${sp.name}#${i}`, sp.producer) }));
    for (const p of pieces.slice(1)) {
      const piece = this.spaces[p.space]!;
      piece.barriers.push(...sp.barriers);
      if (sp.blocks) piece.blocks = [...sp.blocks];
      if (sp.units) piece.units = [...sp.units];
      piece.channelStatistics = sp.channelStatistics;
    }
    sp.length = bounds[1]!;
    const rewrite = (segs: Segment[]): Segment[] => segs.flatMap((s) => {
      if (s.space !== space) return [s];
      const out: Segment[] = [];
      for (const p of pieces) {
        const a = Math.max(s.start, p.start);
        const b = Math.min(s.start + s.length, p.end);
        if (a < b) out.push({ space: p.space, start: a - p.start, length: b - a });
      }
      return out;
    });
    const seen = new Set<object>();
    const fix = <T extends object>(holder: T, key: keyof T) => {
      if (seen.has(holder)) return;
      seen.add(holder);
      holder[key] = rewrite(holder[key] as Segment[]) as T[keyof T];
    };
    for (const l of this.layouts.values()) fix(l, 'segments');
    for (const m of this.members) {
      if (m.kind === 'split') m.outputs = m.outputs.map(rewrite);
      else if (m.kind === 'slice-range') {
        m.before = rewrite(m.before);
        m.inside = rewrite(m.inside);
      } else fix(m, 'segments');
    }
    for (const w of this.sharedWeights.values()) {
      w.outSegs = rewrite(w.outSegs);
      if (w.inSegs) w.inSegs = rewrite(w.inSegs);
    }
    return true;
  }

  /** Records that the spaces must end in one group; if not, they become barriers with `reason`. */
  requireTied(spaces: number[], reason: string): void {
    this.mustTie.push({ spaces, reason });
  }

  /** Records that a space's channels must be pruned evenly in `blocks` contiguous blocks. */
  requireBlocks(space: number, blocks: number): void {
    const sp = this.spaces[space]!;
    (sp.blocks ??= []).push(blocks);
  }

  /**
   * Runs `rule` on `node` and makes sure it accounted for the channels reaching it: a rule that
   * gets tracked channels must pass them on (an output layout), consume them (a member of this
   * node, a sink) or refuse them (a barrier). Anything else would lose the channels silently and
   * make their groups look free while a consumer downstream still expects the old count: the
   * groups become barriers instead.
   */
  followed(node: NodeProto, rule: (node: NodeProto, ctx: ChannelContext) => void): void {
    const tracked = node.input.some((n) => n && this.layouts.has(n));
    this.accounted = false;
    rule(node, this);
    if (tracked && !this.accounted) this.barrierNode(node, `${node.opType} could not follow the channels (unhandled layout)`);
  }

  /** Declares that the current rule consumed its tracked channels on purpose (Shape, Size). */
  consumed(): void {
    this.accounted = true;
  }

  /** Marks every space in the segments as not prunable. */
  barrier(segments: readonly Segment[], reason: string): void {
    this.accounted = true;
    for (const s of segments) {
      const sp = this.spaces[s.space]!;
      if (!sp.barriers.includes(reason)) sp.barriers.push(reason);
    }
  }

  /** Marks every tracked input of a node as a barrier and leaves its outputs untracked. */
  barrierNode(node: NodeProto, reason: string): void {
    for (const name of node.input) {
      const l = name ? this.layouts.get(name) : undefined;
      if (l) this.barrier(l.segments, `${reason} at ${this.id(node)}`);
    }
  }

  layout(name: string | undefined): ChannelLayout | undefined {
    return name ? this.layouts.get(name) : undefined;
  }

  /** Sets the layout of a tensor a later node produces (a rule that follows a whole chain: rules-stacked-heads.ts). */
  presetLayout(name: string | undefined, layout: ChannelLayout): void {
    if (name) this.layouts.set(name, layout);
  }

  setLayout(name: string | undefined, layout: ChannelLayout): void {
    if (!name) return;
    this.accounted = true;
    this.layouts.set(name, layout);
  }

  shape(name: string | undefined): Dim[] | undefined {
    return name ? this.shapes.tensors.get(name)?.shape : undefined;
  }

  /** Constant behind a name, following Identity (exporters forward shared weights through it). */
  constant(name: string | undefined): TensorProto | undefined {
    return constantThroughIdentity(this.ir, name)?.tensor;
  }

  /** Name of the tensor behind a constant input (after Identity forwarding). */
  constantName(name: string | undefined): string | undefined {
    return constantThroughIdentity(this.ir, name)?.name;
  }

  /**
   * A weight used by several layers (the same conv applied twice) must be sliced the same way for
   * every use: the uses' input channels are tied together, and so are their output channels.
   */
  tieSharedWeight(node: NodeProto, weight: string | undefined, inSegs: Segment[] | undefined, outSegs: Segment[]): void {
    const name = this.constantName(weight);
    if (!name) return;
    const first = this.sharedWeights.get(name);
    if (!first) {
      this.sharedWeights.set(name, { inSegs, outSegs });
      return;
    }
    const reason = `shared weight (same conv used twice) "${name}" with channels that cannot be tied at ${this.id(node)}`;
    if (!this.unite(first.outSegs, outSegs)) this.barrier([...first.outSegs, ...outSegs], reason);
    if (first.inSegs && inSegs) {
      if (!this.unite(first.inSegs, inSegs)) this.barrier([...first.inSegs, ...inSegs], reason);
    } else if (first.inSegs || inSegs) {
      this.barrier([...(first.inSegs ?? []), ...(inSegs ?? []), ...first.outSegs, ...outSegs], `shared weight (same conv used twice) "${name}" on untracked input at ${this.id(node)}`);
    }
  }

  /** Known integer values of an input (constant or propagated by shape inference). */
  ints(name: string | undefined): number[] | undefined {
    if (!name) return undefined;
    const t = this.constant(name);
    if (t) {
      let v = this.constantInts.get(t);
      if (!v) this.constantInts.set(t, (v = tensorToInts(t)));
      return v;
    }
    const v = this.shapes.tensors.get(name)?.values;
    return v && v.every((d) => typeof d === 'number') ? (v as number[]) : undefined;
  }

  /** Integer list given as input `index` from opset `sinceOpset`, else as attribute `attr`. */
  intsArg(node: NodeProto, index: number, attr: string, sinceOpset: number): number[] | undefined | 'dynamic' {
    if (this.opset >= sinceOpset) {
      const name = node.input[index];
      if (!name) return undefined;
      return this.ints(name) ?? 'dynamic';
    }
    return node.attribute.some((a) => a.name === attr) ? attrInts(node, attr) : undefined;
  }

  attrInt(node: NodeProto, name: string, fallback: number): number {
    return attrInt(node, name, fallback);
  }

  addMember(member: Member): void {
    this.accounted = true;
    this.members.push(member);
  }
}

/** Normalises a possibly negative axis. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
