// Small helpers to append nodes and constants to a graph being generated (the backward graph,
// sub-models for the oracle). Every name made here is unique within the graph it is added to.
import type { AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { AttributeType, Long, onnx, TensorDataType } from '../onnx/proto.js';
import { makeInt64Tensor, makeTensor } from '../onnx/tensor.js';

/** An attribute value: number → INT (or FLOAT when `floats` is named), number[] → INTS, tensor → TENSOR. */
export type AttrValue = number | number[] | { float: number } | { floats: number[] } | { tensor: TensorProto } | { string: string };

// Messages are created through the generated classes so that only the fields set here are own
// properties: proto2 encoding writes every own scalar, and ONNX rejects an attribute carrying both
// `i` and `f`. Defaults come from the prototype, as for decoded messages.
function makeAttr(name: string, value: AttributeValueFields): AttributeProto {
  return onnx.AttributeProto.create({ name, ...value }) as unknown as AttributeProto;
}

type AttributeValueFields = { type: number; i?: Long; ints?: Long[]; f?: number; floats?: number[]; s?: Uint8Array; t?: TensorProto };

function attrFields(value: AttrValue): AttributeValueFields {
  if (typeof value === 'number') return { type: AttributeType.INT, i: Long.fromNumber(value) };
  if (Array.isArray(value)) return { type: AttributeType.INTS, ints: value.map((v) => Long.fromNumber(v)) };
  if ('float' in value) return { type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { type: AttributeType.FLOATS, floats: value.floats };
  if ('string' in value) return { type: AttributeType.STRING, s: new TextEncoder().encode(value.string) };
  return { type: AttributeType.TENSOR, t: value.tensor };
}

/** A NodeProto of the default domain, created as the decoder would (defaults on the prototype). */
export function makeNode(opType: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, AttrValue> = {}): NodeProto {
  const attribute = Object.entries(attrs).map(([k, v]) => makeAttr(k, attrFields(v)));
  return onnx.NodeProto.create({ input: inputs, output: outputs, name, opType, attribute: attribute as never }) as unknown as NodeProto;
}

/** A float32 tensor value_info with an optional shape (numbers or symbolic names). */
export function makeValueInfo(name: string, shape?: (number | string)[], elemType: number = TensorDataType.FLOAT): ValueInfoProto {
  const dim = shape?.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'number' && d > 0 ? { dimValue: Long.fromNumber(d) } : typeof d === 'string' && d !== '?' ? { dimParam: d } : {}));
  const tensorType = onnx.TypeProto.Tensor.create(dim ? { elemType, shape: onnx.TensorShapeProto.create({ dim }) } : { elemType });
  return onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType }) }) as unknown as ValueInfoProto;
}

/** Appends nodes and initializers to a graph under a common name prefix, keeping names unique. */
export class GraphBuilder {
  private counter = 0;
  private readonly used: Set<string>;

  constructor(readonly graph: GraphProto, private readonly prefix: string) {
    this.used = new Set<string>();
    for (const n of graph.node) n.output.forEach((o) => this.used.add(o));
    for (const t of graph.initializer) this.used.add(t.name);
    for (const i of graph.input) this.used.add(i.name);
  }

  /** A fresh tensor name containing `hint`. */
  fresh(hint: string): string {
    let name: string;
    do name = `${this.prefix}${hint}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = opType): string {
    const out = this.fresh(hint);
    this.graph.node.push(makeNode(opType, inputs, [out], `${out}_node`, attrs));
    return out;
  }

  /** Adds a node with several outputs (empty string = unused optional output). */
  opMulti(opType: string, inputs: string[], outputCount: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = Array.from({ length: outputCount }, () => this.fresh(opType));
    this.graph.node.push(makeNode(opType, inputs, outs, `${outs[0]}_node`, attrs));
    return outs;
  }

  /** A float32 initializer. */
  floats(hint: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(hint);
    this.graph.initializer.push(makeTensor(name, dims, TensorDataType.FLOAT, values));
    return name;
  }

  /** An int64 initializer (shape vectors, axes, indices). */
  ints(hint: string, dims: number[], values: number[]): string {
    const name = this.fresh(hint);
    this.graph.initializer.push(makeInt64Tensor(name, dims, values));
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(value: number): string {
    return this.floats('c', [], [value]);
  }
}
