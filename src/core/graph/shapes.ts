// Static shape inference with light constant propagation.
//
// Every node is visited once in file order (ONNX requires topological order) and its op's rule in
// shape-ops/ computes output shapes from input shapes and attributes. Small integer tensors (shape
// vectors, axes, pads; up to 64 elements) also carry their values, including symbolic dims, so
// chains like Shape → Gather → Unsqueeze → Concat → Reshape that exporters emit for
// `x.view(x.size(0), -1)` resolve to [batch, 64] instead of "unknown".
//
// value_info policy: computed shapes win, because value_info in the wild is often stale (left over
// from before an edit such as pruning) or holds exporter-generated dim names. value_info only fills
// what computing could not: an output with no rule/unknown inputs, or individual "?" dims. Graph
// inputs come from their declaration (nothing computes them), or from `inputShapes` when the caller
// knows the size it will run at: a model exported with dynamic H and W has no spatial sizes
// otherwise, and its MACs would be unknown.
import type { GraphIR } from './ir.js';
import { defaultOpset } from './ir.js';
import { Long, type ValueInfoProto } from '../onnx/proto.js';
import { OpContext } from './shape-ops/context.js';
import { formatShape, isNum, ShapeUnknown, UNKNOWN } from './shape-ops/dims.js';
import { SHAPE_RULES } from './shape-ops/registry.js';
import { constantInfo } from './shape-ops/values.js';

/**
 * A dimension: a number, a symbol such as "batch" / "N" for dynamic sizes, a product of symbols
 * ("2*batch") that Reshape/Flatten produce, or "?" when unknown.
 */
export type Dim = number | string;

/** What is known about one tensor. */
export interface TensorInfo {
  shape?: Dim[];
  /** onnx.TensorProto.DataType value. */
  dataType?: number;
  /** Known values (row-major) of small integer/float tensors: shape vectors, axes, scales. */
  values?: Dim[];
}

export interface ShapeResult {
  /** Every tensor name (inputs, initializers, node outputs) → its known info. */
  tensors: Map<string, TensorInfo>;
  /** Ids (GraphIR.nodeId) of nodes whose output shapes stay unknown, with the reason. */
  unknownNodes: { node: string; opType: string; reason: string }[];
}

const toNum = (v: Long | number | null | undefined): number => (Long.isLong(v) ? (v as Long).toNumber() : Number(v ?? 0));

/** Shape and type declared by a ValueInfoProto (dims with neither value nor name become "?"). */
export function declaredInfo(vi: ValueInfoProto): TensorInfo | undefined {
  const t = vi.type?.tensorType;
  if (!t) return undefined;
  // `value` names the member of the dim_value/dim_param oneof that the file set (0 is a real size).
  const shape = t.shape
    ? t.shape.dim.map((d): Dim => (d.value === 'dimParam' && d.dimParam ? d.dimParam : d.value === 'dimValue' ? toNum(d.dimValue) : UNKNOWN))
    : undefined;
  return { shape, dataType: t.elemType || undefined };
}

/** Computed info, with "?" dims and missing fields filled from value_info. */
function merge(computed: TensorInfo | undefined, declared: TensorInfo | undefined): TensorInfo | undefined {
  if (!computed?.shape) return declared?.shape || computed ? { ...declared, ...computed, shape: declared?.shape } : undefined;
  let shape = computed.shape;
  if (declared?.shape?.length === shape.length) shape = shape.map((d, i) => (d === UNKNOWN ? declared.shape![i]! : d));
  return { ...computed, shape, dataType: computed.dataType ?? declared?.dataType };
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

export interface ShapeOptions {
  /** Graph input name → the shape to infer with, replacing its declared (often dynamic) dims. */
  inputShapes?: ReadonlyMap<string, readonly Dim[]>;
}

/** Infers shapes for every tensor; uses value_info when present, computes otherwise. */
export function inferShapes(ir: GraphIR, options: ShapeOptions = {}): ShapeResult {
  const tensors = new Map<string, TensorInfo>();
  const unknownNodes: ShapeResult['unknownNodes'] = [];
  const opset = defaultOpset(ir.model);
  const declared = (name: string) => {
    const vi = ir.valueInfo.get(name);
    return vi ? declaredInfo(vi) : undefined;
  };
  for (const input of ir.inputs) {
    const info = declaredInfo(input);
    const given = options.inputShapes?.get(input.name);
    if (given) tensors.set(input.name, { ...info, shape: [...given] });
    else if (info) tensors.set(input.name, info);
  }
  for (const [name, t] of ir.initializers) tensors.set(name, constantInfo(t));

  for (const node of ir.nodes) {
    let computed: (TensorInfo | undefined)[] = [];
    let reason: string | undefined;
    const rule = SHAPE_RULES[node.opType];
    if (!DEFAULT_DOMAINS.has(node.domain)) reason = `custom op of domain "${node.domain}"`;
    else if (!rule) reason = `no shape rule for ${node.opType}`;
    else {
      try {
        computed = rule(new OpContext(node, opset, node.input.map((n) => (n ? tensors.get(n) : undefined))));
      } catch (err) {
        // A malformed node (bad attribute, wrong input count) must not stop inference of the rest.
        reason = err instanceof ShapeUnknown ? err.message : `cannot apply the ${node.opType} rule: ${String(err)}`;
      }
    }
    const unknownOutputs: string[] = [];
    node.output.forEach((name, i) => {
      if (!name) return;
      const info = merge(computed[i], declared(name));
      if (info) tensors.set(name, info);
      if (!info?.shape) unknownOutputs.push(name);
      else if (info.shape.includes(UNKNOWN)) reason ??= `some dims of "${name}" ${formatShape(info.shape)} are unknown`;
    });
    if (unknownOutputs.length || (reason && node.output.some((n) => tensors.get(n)?.shape?.includes(UNKNOWN)))) {
      unknownNodes.push({ node: ir.nodeId.get(node) ?? node.name, opType: node.opType, reason: reason ?? 'unknown' });
    }
  }
  return { tensors, unknownNodes };
}

/** Known values of a tensor after inference (constants and propagated shape arithmetic), if any. */
export function knownValues(shapes: ShapeResult, name: string): Dim[] | undefined {
  return shapes.tensors.get(name)?.values;
}

/** Known values of a tensor when every one is a plain number (e.g. a Reshape target without symbols). */
export function knownInts(shapes: ShapeResult, name: string): number[] | undefined {
  const v = knownValues(shapes, name);
  return v && v.every(isNum) ? v : undefined;
}

/** True when every dim of the shape is a plain number. */
export function isStaticShape(shape: readonly Dim[] | undefined): shape is number[] {
  return !!shape && shape.every(isNum);
}
