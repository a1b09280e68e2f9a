// Builds small ONNX models in tests, one node per line, encoded through the real protobuf codec
// and decoded again, so tests see exactly what a file would give. Also runs them in onnxruntime
// to get the output shapes a real runtime produces.
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../../../onnx/codec.js';
import { AttributeType, Long, onnx, TensorDataType, type ModelProto } from '../../../onnx/proto.js';

type Attr = number | number[] | string | { f: number } | { floats: number[] } | { t: onnx.ITensorProto };
type DimSpec = number | string;

/** A model under construction; see node() for attribute conventions. */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly inits: onnx.ITensorProto[] = [];
  private readonly valueInfo: onnx.IValueInfoProto[] = [];

  constructor(readonly opset: number) {}

  private static valueInfo(name: string, shape?: DimSpec[], type: number = TensorDataType.FLOAT): onnx.IValueInfoProto {
    const dims = shape?.map((d) => (typeof d === 'number' ? { dimValue: Long.fromNumber(d) } : { dimParam: d }));
    return { name, type: { tensorType: { elemType: type, shape: dims ? { dim: dims } : undefined } } };
  }

  /** A float graph input; string dims are symbolic. */
  input(name: string, shape: DimSpec[], type: number = TensorDataType.FLOAT): this {
    this.inputs.push(GraphBuilder.valueInfo(name, shape, type));
    return this;
  }

  /** A float32 initializer filled with small values. */
  weight(name: string, dims: number[]): this {
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push({ name, dims: dims.map((d) => Long.fromNumber(d)), dataType: TensorDataType.FLOAT, floatData: Array.from({ length: n }, (_, i) => Math.sin(i) * 0.1) });
    return this;
  }

  /** An int64 initializer (shapes, axes, pads); bigint for values beyond 2^53 such as INT64_MAX. */
  ints(name: string, values: (number | bigint)[], dims: number[] = [values.length]): this {
    const int64Data = values.map((v) => Long.fromString(String(v)));
    this.inits.push({ name, dims: dims.map((d) => Long.fromNumber(d)), dataType: TensorDataType.INT64, int64Data });
    return this;
  }

  /** A float initializer with the given values (scales). */
  floats(name: string, values: number[]): this {
    this.inits.push({ name, dims: [Long.fromNumber(values.length)], dataType: TensorDataType.FLOAT, floatData: values });
    return this;
  }

  /** A node. Attributes: integer → INT, number[] → INTS, string → STRING, {f} → FLOAT, {floats}, {t}. */
  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, domain = ''): this {
    const attribute = Object.entries(attrs).map(([name, v]): onnx.IAttributeProto => {
      if (typeof v === 'number') return { name, type: AttributeType.INT, i: Long.fromNumber(v) };
      if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v.map((x) => Long.fromNumber(x)) };
      if ('f' in v) return { name, type: AttributeType.FLOAT, f: v.f };
      if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
      return { name, type: AttributeType.TENSOR, t: v.t };
    });
    this.nodes.push({ opType, input: inputs, output: outputs, attribute, domain, name: outputs[0] });
    return this;
  }

  /** Declares a graph output (shape left for inference unless given). */
  output(name: string, shape?: DimSpec[]): this {
    this.outputs.push(shape ? GraphBuilder.valueInfo(name, shape) : { name });
    return this;
  }

  /** Adds a value_info hint. */
  hint(name: string, shape: DimSpec[]): this {
    this.valueInfo.push(GraphBuilder.valueInfo(name, shape));
    return this;
  }

  /** Concrete shapes of the graph inputs with symbols bound (for feeding onnxruntime). */
  feedShapes(symbols: Record<string, number>): Record<string, number[]> {
    return Object.fromEntries(
      this.inputs.map((i) => [i.name!, i.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? symbols[d.dimParam]! : Number(d.dimValue)))]),
    );
  }

  /** Encodes and decodes the model through the project's codec. */
  build(): ModelProto {
    const model = onnx.ModelProto.create({
      irVersion: Long.fromNumber(8),
      opsetImport: [{ domain: '', version: Long.fromNumber(this.opset) }],
      producerName: 'graph-builder',
      graph: { name: 'g', node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.inits, valueInfo: this.valueInfo },
    });
    return decodeModel(onnx.ModelProto.encode(model).finish(), 'built.onnx');
  }
}

/** Runs the model in onnxruntime with float inputs of the given concrete shapes; returns output dims. */
export async function ortOutputShapes(model: ModelProto, inputs: Record<string, number[]>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, dims] of Object.entries(inputs)) {
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.cos(i)), dims);
  }
  const results = await session.run(feeds);
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, [...v.dims]]));
}
