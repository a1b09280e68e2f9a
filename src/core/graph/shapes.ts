// Static shape inference. CONTRACT (implemented by the shapes work; callers rely on this API):
import type { GraphIR } from './ir.js';

/** A dimension: a number, or a symbol such as "batch" / "N" for dynamic sizes. */
export type Dim = number | string;

/** What is known about one tensor. */
export interface TensorInfo {
  shape?: Dim[];
  /** onnx.TensorProto.DataType value. */
  dataType?: number;
}

export interface ShapeResult {
  /** Every tensor name (inputs, initializers, node outputs) → its known info. */
  tensors: Map<string, TensorInfo>;
  /** Ids (GraphIR.nodeId) of nodes whose output shapes stay unknown, with the reason. */
  unknownNodes: { node: string; opType: string; reason: string }[];
}

/** Infers shapes for every tensor; uses value_info when present, computes otherwise. */
export function inferShapes(ir: GraphIR): ShapeResult {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, vi] of ir.valueInfo) {
    const t = vi.type?.tensorType;
    if (!t) continue;
    const shape = t.shape ? t.shape.dim.map((d): Dim => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))) : undefined;
    tensors.set(name, { shape, dataType: t.elemType });
  }
  return { tensors, unknownNodes: [] };
}
