// Shape arithmetic the graph does at run time, re-evaluated with other tensor sizes. Exporters
// compute Slice bounds and Reshape targets from Shape → Gather → Div chains (torch's chunk(3) of a
// packed QKV projection, MultiheadAttention's head_dim = E / heads). Whether such a value is still
// right after pruning is a question about the function, not the number: this module evaluates the
// small integer subgraph behind a tensor with the sizes a caller substitutes, so a rule can check
// the value for every channel count a plan may leave, or find which channel axes it reads.
import type { NodeProto } from '../../onnx/proto.js';
import { attrInt } from '../attributes.js';
import type { ChannelContext } from './context.js';
import { normAxis } from './context.js';

/** The size of `tensor`'s axis `axis` to use instead of its inferred one, or undefined to keep it. */
export type DimOverride = (tensor: string, axis: number) => number | undefined;

/** Stand-in for a symbolic dim (batch, tokens): callers check values for two of them. */
export const SYMBOL_SAMPLES = [7, 11] as const;
const MAX_NODES = 64;

interface Evaluation {
  ctx: ChannelContext;
  symbol: number;
  override: DimOverride;
  memo: Map<string, number[] | undefined>;
  /** Tracked tensors whose channel-axis size was read, with the axis. */
  channelReads: { tensor: string; axis: number }[];
  budget: number;
}

/** Values of the integer tensor `name` with the substituted sizes; undefined when not computable here. */
export function evaluateInts(ctx: ChannelContext, name: string, override: DimOverride = () => undefined, symbol: number = SYMBOL_SAMPLES[0]): number[] | undefined {
  return evaluate({ ctx, symbol, override, memo: new Map(), channelReads: [], budget: MAX_NODES }, name);
}

/**
 * The tracked channel axes whose size the value of `name` depends on, or undefined when the value
 * cannot be followed back (an op this module does not evaluate). A Shape that returns a channel
 * axis among others (then Gather picks another entry) does not count: each candidate axis is
 * changed on its own and kept only when the value (entry `position`, when given) changes with it.
 */
export function channelAxesRead(ctx: ChannelContext, name: string, position?: number): { tensor: string; axis: number }[] | undefined {
  const e: Evaluation = { ctx, symbol: SYMBOL_SAMPLES[0], override: () => undefined, memo: new Map(), channelReads: [], budget: MAX_NODES };
  const base = evaluate(e, name);
  if (!base) return undefined;
  const seen = new Set<string>();
  return e.channelReads.filter((r) => {
    const key = `${r.tensor}\u0000${r.axis}`;
    if (seen.has(key)) return false;
    seen.add(key);
    const size = ctx.shape(r.tensor)?.[r.axis];
    const changed = evaluateInts(ctx, name, (t, a) => (t === r.tensor && a === r.axis ? (typeof size === 'number' ? size : SYMBOL_SAMPLES[0]) * 2 + 1 : undefined));
    if (!changed || changed.length !== base.length) return true;
    // With `position`, only reads that change that entry count.
    return position === undefined ? changed.some((v, i) => v !== base[i]) : changed[position] !== base[position];
  });
}

function evaluate(e: Evaluation, name: string): number[] | undefined {
  if (e.memo.has(name)) return e.memo.get(name);
  if (--e.budget < 0) return undefined;
  const v = compute(e, name);
  e.memo.set(name, v);
  return v;
}

function compute(e: Evaluation, name: string): number[] | undefined {
  const { ctx } = e;
  const constant = ctx.constant(name);
  const node = ctx.ir.producer.get(name);
  if (constant || !node) return constant ? ctx.ints(name) : undefined;
  const arg = (i: number) => (node.input[i] ? evaluate(e, node.input[i]!) : undefined);
  switch (node.opType) {
    case 'Shape':
      return shapeOf(e, node);
    case 'Identity': case 'Cast': case 'Unsqueeze': case 'Squeeze': case 'Reshape': case 'Flatten':
      return arg(0);
    case 'Concat': {
      const parts = node.input.map((_, i) => arg(i));
      return parts.every((p): p is number[] => !!p) ? parts.flat() : undefined;
    }
    case 'Gather': {
      const data = arg(0);
      const indices = arg(1);
      if (!data || !indices || attrInt(node, 'axis', 0) !== 0) return undefined;
      const picked = indices.map((i) => data[i < 0 ? i + data.length : i]);
      return picked.every((v): v is number => v !== undefined) ? picked : undefined;
    }
    case 'Slice': {
      const data = arg(0);
      const starts = arg(1);
      const ends = arg(2);
      const steps = node.input[4] ? arg(4) : [1];
      if (!data || !starts || !ends || starts.length !== 1 || steps?.[0] !== 1 || (node.input[3] && arg(3)?.[0] !== 0)) return undefined;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + data.length : v, 0), data.length);
      return data.slice(clamp(starts[0]!), clamp(ends[0]!));
    }
    case 'Add': case 'Sub': case 'Mul': case 'Div': {
      const a = arg(0);
      const b = arg(1);
      if (!a || !b || (a.length !== b.length && a.length !== 1 && b.length !== 1)) return undefined;
      const n = Math.max(a.length, b.length);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = a[a.length === 1 ? 0 : i]!;
        const y = b[b.length === 1 ? 0 : i]!;
        if (node.opType === 'Div' && y === 0) return undefined;
        // ONNX integer Div truncates toward zero.
        out.push(node.opType === 'Add' ? x + y : node.opType === 'Sub' ? x - y : node.opType === 'Mul' ? x * y : Math.trunc(x / y));
      }
      return out;
    }
    default:
      return undefined;
  }
}

function shapeOf(e: Evaluation, node: NodeProto): number[] | undefined {
  const input = node.input[0]!;
  const shape = e.ctx.shape(input);
  if (!shape) return undefined;
  const layout = e.ctx.layout(input);
  const rank = shape.length;
  const start = e.ctx.opset >= 15 ? normAxis(attrInt(node, 'start', 0), rank) : 0;
  const end = e.ctx.opset >= 15 ? normAxis(attrInt(node, 'end', rank), rank) : rank;
  const out: number[] = [];
  for (let axis = Math.max(0, start); axis < Math.min(rank, end); axis++) {
    if (layout && layout.axis === axis) e.channelReads.push({ tensor: input, axis });
    const d = e.override(input, axis) ?? shape[axis];
    if (typeof d === 'number') out.push(d);
    else if (d !== '?' && d !== '') out.push(e.symbol);
    else return undefined;
  }
  return out;
}
