// Typed access to node attributes, with defaults as the ONNX operator specs give them.
import { AttributeType, Long, type AttributeProto, type NodeProto, type TensorProto } from '../onnx/proto.js';

function find(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

const num = (v: Long | number): number => (Long.isLong(v) ? (v as Long).toNumber() : Number(v));

/** An INT attribute, or `fallback` when absent. */
export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = find(node, name);
  return a ? num(a.i) : fallback;
}

/** An INTS attribute, or `fallback` when absent. */
export function attrInts(node: NodeProto, name: string, fallback: number[] = []): number[] {
  const a = find(node, name);
  return a ? a.ints.map(num) : fallback;
}

/** A FLOAT attribute, or `fallback` when absent. */
export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = find(node, name);
  return a ? a.f : fallback;
}

/** A STRING attribute decoded as UTF-8, or `fallback` when absent. */
export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = find(node, name);
  return a ? new TextDecoder().decode(a.s) : fallback;
}

/** A TENSOR attribute (e.g. Constant's value), if present. */
export function attrTensor(node: NodeProto, name: string): TensorProto | undefined {
  return find(node, name)?.t ?? undefined;
}

/** True when the node carries the attribute. */
export function hasAttr(node: NodeProto, name: string): boolean {
  return find(node, name) !== undefined;
}

/** Sets (or adds) an INT attribute in place; only for nodes the caller owns (copies during surgery). */
export function setAttrInt(node: NodeProto, name: string, value: number): void {
  const a = find(node, name);
  if (a) a.i = Long.fromNumber(value);
  else node.attribute.push(makeAttr({ name, type: AttributeType.INT, i: Long.fromNumber(value) }));
}

/** Sets (or adds) an INTS attribute in place; only for nodes the caller owns. */
export function setAttrInts(node: NodeProto, name: string, values: number[]): void {
  const a = find(node, name);
  const ints = values.map((v) => Long.fromNumber(v));
  if (a) a.ints = ints;
  else node.attribute.push(makeAttr({ name, type: AttributeType.INTS, ints }));
}

function makeAttr(fields: Partial<AttributeProto>): AttributeProto {
  return {
    name: '', refAttrName: '', docString: '', type: 0, f: 0, i: Long.ZERO, s: new Uint8Array(),
    floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [],
    ...fields,
  } as AttributeProto;
}
