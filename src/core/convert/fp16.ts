// float32 → float16 for a whole model, in the layout the usual converters write
// (onnxconverter-common's float16.convert_float_to_float16(keep_io_types=True)), so that the
// result looks like the fp16 models found in the wild and the rest of the engine treats it alike:
// - float32 initializers and Constant values become fp16 (rounded once, ties to even);
// - ops without fp16 kernels (fp16-ops.ts) stay fp32 behind Cast(to fp32) / Cast(to fp16), with
//   their float constant inputs (Resize scales, quantization scales) left fp32, and so is the
//   arithmetic that only computes their control inputs (Cast(sizes → float) → Div → Resize scales):
//   rounding a scale to fp16 could change an output size;
// - graph inputs and outputs stay fp32 behind Casts, so callers feed and read what they did;
// - attributes that name float32 (Cast to, RandomNormal dtype, ConstantOfShape value) say fp16.
// Finite values beyond fp16's range (|x| > 65504) are clamped to ±65504 and reported by tensor, as
// onnxconverter-common does: refusing would reject models with -1e9 attention masks or "-inf"
// fills written as float32 lowest, whose clamped value behaves the same. Values below fp16's
// smallest subnormal (≈6e-8) round to 0 like in every converter.
import { cloneMessage } from '../onnx/clone.js';
import { AttributeType, Long, onnx, TensorDataType, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToNumbers } from '../onnx/tensor.js';
import { buildGraph, constantTensor, usesOf, type GraphIR } from '../graph/ir.js';
import { declaredInfo, inferShapes } from '../graph/shapes.js';
import { isDefaultDomain } from '../graph/op-traits.js';
import { makeNode } from '../score/graph-builder.js';
import { DTYPE_ATTRIBUTES, FP32_ONLY_OPS, VALUE_ATTRIBUTES } from './fp16-ops.js';

const F32 = TensorDataType.FLOAT;
const F16 = TensorDataType.FLOAT16;

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

/** A constant whose values went beyond fp16's range and were clamped to ±65504. */
export interface ClampedTensor {
  tensor: string;
  count: number;
  maxAbs: number;
}

export interface Float16Report {
  /** float32 constants (initializers and Constant values) written as fp16. */
  convertedConstants: number;
  /** float32 constants left fp32 because fp32-only ops read them (e.g. Resize scales). */
  keptFp32Constants: string[];
  /** Nodes left in fp32 behind Casts (fp16-ops.ts, and the arithmetic feeding their control inputs). */
  keptFp32Nodes: string[];
  /** The op types of keptFp32Nodes, each once. */
  keptFp32Ops: string[];
  castsAdded: number;
  clamped: ClampedTensor[];
  /** True when the model had no float32 weights but fp16 ones: it is returned unchanged. */
  alreadyFloat16: boolean;
}

export interface Float16Result {
  model: ModelProto;
  report: Float16Report;
}

type Precision = 16 | 32;
/** Where one float32 tensor of the original lives in the new graph, per precision. */
type Versions = Partial<Record<Precision, string>>;

const QUANTIZED_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'ConvInteger', 'MatMulInteger', 'QLinearConv', 'QLinearMatMul']);

/**
 * Returns a new model with fp16 weights and activations (the input is not modified). Throws, naming
 * the node or tensor, for what it cannot convert soundly or usefully: quantized models, control flow, and tensors of
 * unknown element type where fp32-only ops meet fp16 ones.
 */
export function toFloat16(model: ModelProto): Float16Result {
  const ir = buildGraph(model);
  const refusal = float16Refusal(ir);
  if (refusal) throw new Error(refusal);
  const report: Float16Report = { convertedConstants: 0, keptFp32Constants: [], keptFp32Nodes: [], keptFp32Ops: [], castsAdded: 0, clamped: [], alreadyFloat16: false };
  const constants = [...ir.graph.initializer, ...ir.nodes.filter(isConstantNode).map((n) => constantTensor(ir, n.output[0]!))];
  if (!constants.some((t) => t?.dataType === F32) && constants.some((t) => t?.dataType === F16)) {
    return { model: cloneMessage(model), report: { ...report, alreadyFloat16: true } };
  }
  return new Converter(ir, report).run();
}

/**
 * Why a model cannot be converted to fp16 at all (quantized, control flow), or undefined: pruning
 * keeps both, so a caller can refuse before it prunes and recovers.
 */
export function float16Refusal(ir: GraphIR): string | undefined {
  for (const node of ir.nodes) {
    // Quantized weights are already 8-bit: fp16 would only add Casts and make the file bigger.
    if (QUANTIZED_OPS.has(node.opType)) return `cannot convert to fp16: the model is quantized (${node.opType} "${ir.nodeId.get(node)}"), its weights are already 8-bit; export without fp16`;
    if (node.attribute.some((a) => a.g || a.graphs.length)) return `cannot convert to fp16: ${node.opType} "${ir.nodeId.get(node)}" holds a subgraph (control flow is not converted); export in fp32`;
  }
  return undefined;
}

function isConstantNode(node: NodeProto): boolean {
  return node.opType === 'Constant' && isDefaultDomain(node.domain) && node.output.length === 1 && !node.attribute.some((a) => a.name === 'sparse_value');
}

/** Ops kept fp32 by the table, custom-domain ops (their kernels are unknown), sparse Constants. */
function isFp32Only(node: NodeProto): boolean {
  if (!isDefaultDomain(node.domain)) return true;
  if (node.opType === 'Constant') return !isConstantNode(node);
  return Object.hasOwn(FP32_ONLY_OPS, node.opType);
}

class Converter {
  private readonly typeOf: (name: string) => number | undefined;
  private readonly kept: Set<NodeProto>;
  private readonly versions = new Map<string, Versions>();
  private readonly used = new Set<string>();
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];

  constructor(private readonly ir: GraphIR, private readonly report: Float16Report) {
    const tensors = inferShapes(ir).tensors;
    const byAttribute = new Map<string, number>();
    for (const node of ir.nodes) {
      const type = attributeOutputType(node);
      if (type !== undefined && node.output[0]) byAttribute.set(node.output[0], type);
    }
    this.typeOf = (name) => {
      const vi = ir.valueInfo.get(name);
      return tensors.get(name)?.dataType ?? byAttribute.get(name) ?? (vi ? declaredInfo(vi)?.dataType : undefined);
    };
    const g = ir.graph;
    for (const n of g.node) {
      n.output.forEach((o) => this.used.add(o));
      if (n.name) this.used.add(n.name);
    }
    for (const vi of [...g.input, ...g.output, ...g.valueInfo, ...g.initializer]) this.used.add(vi.name);
    this.kept = this.keptNodes();
    const kept = ir.nodes.filter((n) => this.kept.has(n));
    report.keptFp32Nodes = kept.map((n) => ir.nodeId.get(n)!);
    report.keptFp32Ops = [...new Set(kept.map((n) => n.opType))];
  }

  run(): Float16Result {
    const { ir } = this;
    for (const t of ir.graph.initializer) this.initializer(t);
    for (const input of ir.inputs) if (this.typeOf(input.name) === F32) this.versions.set(input.name, { 32: input.name });
    for (const node of ir.nodes) {
      if (isConstantNode(node) && constantTensor(ir, node.output[0]!)?.dataType === F32) this.constantNode(node);
      else if (this.kept.has(node)) this.keptNode(node);
      else this.halfNode(node);
    }
    const half = new Set([...this.versions].filter(([name, v]) => v[16] === name).map(([name]) => name));
    const retype = (vi: ValueInfoProto) => (half.has(vi.name) && vi.type?.tensorType?.elemType === F32 ? withElemType(vi, F16) : vi);
    const graph = cloneMessage(ir.graph, {
      node: this.nodes,
      initializer: this.initializers,
      input: ir.graph.input.map(retype), // initializers listed as inputs (IR < 4) follow their type
      valueInfo: ir.graph.valueInfo.map(retype),
    });
    return { model: cloneMessage(ir.model, { graph }), report: this.report };
  }

  /**
   * The fp32-only nodes, and the nodes whose float outputs only feed control inputs of those
   * (scales computed from shapes), found backwards so a chain of them is kept whole.
   */
  private keptNodes(): Set<NodeProto> {
    const { ir } = this;
    const kept = new Set(ir.nodes.filter(isFp32Only));
    const control = new Set<NodeProto>();
    const isControlUse = (u: { node: NodeProto; inputIndex: number }) =>
      control.has(u.node) || (kept.has(u.node) && isDefaultDomain(u.node.domain) && !!FP32_ONLY_OPS[u.node.opType]?.includes(u.inputIndex));
    for (let k = ir.nodes.length - 1; k >= 0; k--) {
      const node = ir.nodes[k]!;
      if (kept.has(node) || isConstantNode(node) || !node.output.some((o) => o && this.typeOf(o) === F32)) continue;
      const live = node.output.filter((o) => o && (ir.outputs.has(o) || usesOf(ir, o).length > 0));
      if (live.length && live.every((o) => !ir.outputs.has(o) && usesOf(ir, o).every(isControlUse))) {
        kept.add(node);
        control.add(node);
      }
    }
    return kept;
  }

  /** Whether fp32 and fp16 readers (or a graph output, read as fp32) use the constant `name`. */
  private needs(name: string): { fp32: boolean; fp16: boolean } {
    const uses = usesOf(this.ir, name);
    const fp32 = this.ir.outputs.has(name) || uses.some((u) => this.kept.has(u.node));
    return { fp32, fp16: uses.some((u) => !this.kept.has(u.node)) || !fp32 };
  }

  private initializer(t: TensorProto): void {
    if (t.dataType !== F32) {
      this.initializers.push(t);
      return;
    }
    const need = this.needs(t.name);
    if (!need.fp32) {
      this.initializers.push(this.halfTensor(t, t.name));
      this.versions.set(t.name, { 16: t.name });
      return;
    }
    this.initializers.push(t);
    this.report.keptFp32Constants.push(t.name);
    if (!need.fp16) {
      this.versions.set(t.name, { 32: t.name });
      return;
    }
    const copy = this.fresh(`${t.name}_fp16`);
    this.initializers.push(this.halfTensor(t, copy, t.name));
    this.versions.set(t.name, { 32: t.name, 16: copy });
  }

  private constantNode(node: NodeProto): void {
    const out = node.output[0]!;
    const value = constantTensor(this.ir, out)!;
    const need = this.needs(out);
    if (!need.fp32) {
      this.nodes.push(cloneMessage(node, { attribute: [tensorAttribute('value', this.halfTensor(value, value.name, out))] }));
      this.versions.set(out, { 16: out });
      return;
    }
    this.nodes.push(node);
    this.report.keptFp32Constants.push(out);
    if (!need.fp16) {
      this.versions.set(out, { 32: out });
      return;
    }
    const copy = this.fresh(`${out}_fp16`);
    this.nodes.push(makeNode('Constant', [], [copy], this.fresh(`${copy}_Constant`), { value: { tensor: this.halfTensor(value, value.name, out) } }));
    this.versions.set(out, { 32: out, 16: copy });
  }

  private keptNode(node: NodeProto): void {
    const input = node.input.map((name) => this.input(node, name, 32));
    this.nodes.push(cloneMessage(node, { input }));
    for (const o of node.output) if (o && this.typeOf(o) === F32) this.versions.set(o, { 32: o });
  }

  private halfNode(node: NodeProto): void {
    const input = node.input.map((name) => this.input(node, name, 16));
    const after: NodeProto[] = [];
    const output = node.output.map((o) => {
      if (o && this.ir.outputs.has(o) && this.typeOf(o) === undefined) {
        throw new Error(`cannot convert to fp16: the element type of the graph output "${o}" (from ${node.opType} "${this.ir.nodeId.get(node)}") is unknown, so it is not known whether it needs a Cast back to fp32`);
      }
      if (!o || this.typeOf(o) !== F32) return o;
      if (!this.ir.outputs.has(o)) {
        this.versions.set(o, { 16: o });
        return o;
      }
      // A graph output keeps its name and fp32 type: the node writes an fp16 twin, a Cast the output.
      const twin = this.fresh(`${o}_fp16`);
      after.push(this.cast(twin, o, F32));
      this.versions.set(o, { 16: twin, 32: o });
      return twin;
    });
    const attribute = this.halfAttributes(node);
    this.nodes.push(cloneMessage(node, { input, output, ...(attribute ? { attribute } : {}) }), ...after);
  }

  /** The name `node` reads for its input `name` at precision `want`, casting where needed. */
  private input(node: NodeProto, name: string, want: Precision): string {
    if (!name) return name;
    const type = this.typeOf(name);
    if (type === undefined) {
      // Unknown type: harmless unless it crosses between fp32-only and fp16 nodes.
      const producer = this.ir.producer.get(name);
      if (producer && this.kept.has(producer) !== (want === 32)) {
        throw new Error(
          `cannot convert to fp16: the element type of "${name}" (from ${producer.opType} "${this.ir.nodeId.get(producer)}", ` +
            `read by ${node.opType} "${this.ir.nodeId.get(node)}") is unknown, so it is not known whether a Cast is needed there`,
        );
      }
      return name;
    }
    if (type !== F32) return name;
    const v = this.versions.get(name);
    if (!v) throw new Error(`cannot convert to fp16: "${name}" is read by ${node.opType} "${this.ir.nodeId.get(node)}" before it is produced (the graph is not in topological order)`);
    const have = v[want];
    if (have) return have;
    const cast = this.fresh(`${name}_fp${want}`);
    this.nodes.push(this.cast(v[want === 16 ? 32 : 16]!, cast, want === 16 ? F16 : F32));
    v[want] = cast;
    return cast;
  }

  /** The node's attributes with float32 element types and values made fp16; undefined when none. */
  private halfAttributes(node: NodeProto): AttributeProto[] | undefined {
    if (!isDefaultDomain(node.domain)) return undefined;
    const attribute = [...node.attribute];
    let changed = false;
    const dtype = DTYPE_ATTRIBUTES[node.opType];
    if (dtype) {
      const at = attribute.findIndex((a) => a.name === dtype.attribute);
      if (at >= 0 && toNumber(attribute[at]!.i) === F32) {
        attribute[at] = cloneMessage(attribute[at]!, { i: Long.fromNumber(F16) });
        changed = true;
      } else if (at < 0 && dtype.whenAbsent === F32) {
        attribute.push(onnx.AttributeProto.create({ name: dtype.attribute, type: AttributeType.INT, i: Long.fromNumber(F16) }) as unknown as AttributeProto);
        changed = true;
      }
    }
    const value = VALUE_ATTRIBUTES[node.opType];
    if (value) {
      const at = attribute.findIndex((a) => a.name === value.attribute);
      const t = at >= 0 ? attribute[at]!.t : undefined;
      if (t?.dataType === F32) {
        attribute[at] = cloneMessage(attribute[at]!, { t: this.halfTensor(t, t.name, `${node.output[0]} (${node.opType}.${value.attribute})`, false) });
        changed = true;
      } else if (at < 0 && value.absentIsFloat) {
        attribute.push(tensorAttribute(value.attribute, makeTensor('', [1], F16, [0])));
        changed = true;
      }
    }
    return changed ? attribute : undefined;
  }

  private cast(from: string, to: string, type: number): NodeProto {
    this.report.castsAdded++;
    return makeNode('Cast', [from], [to], this.fresh(`${to}_Cast`), { to: type });
  }

  /** `t` as fp16 under `name`, clamped to ±65504 (reported under `label`). */
  private halfTensor(t: TensorProto, name: string, label = name, isConstant = true): TensorProto {
    const values = tensorToNumbers(t);
    let count = 0;
    let maxAbs = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]!);
      if (a > FLOAT16_MAX && a !== Infinity) {
        count++;
        maxAbs = Math.max(maxAbs, a);
        values[i] = Math.sign(values[i]!) * FLOAT16_MAX;
      }
    }
    if (count) this.report.clamped.push({ tensor: label, count, maxAbs });
    if (isConstant) this.report.convertedConstants++;
    const half = makeTensor(name, tensorDims(t), F16, values);
    return t.docString ? { ...half, docString: t.docString } : half;
  }

  /** A tensor or node name not used anywhere in the graph yet. */
  private fresh(hint: string): string {
    let name = hint;
    for (let k = 1; this.used.has(name); k++) name = `${hint}_${k}`;
    this.used.add(name);
    return name;
  }
}

/** The output element type an op's attribute fixes (Cast to, RandomNormal dtype, ConstantOfShape value), if any. */
function attributeOutputType(node: NodeProto): number | undefined {
  if (!isDefaultDomain(node.domain)) return undefined;
  const dtype = DTYPE_ATTRIBUTES[node.opType];
  if (dtype) {
    const a = node.attribute.find((x) => x.name === dtype.attribute);
    return a ? toNumber(a.i) : dtype.whenAbsent;
  }
  const value = VALUE_ATTRIBUTES[node.opType];
  if (value) {
    const a = node.attribute.find((x) => x.name === value.attribute);
    return a?.t ? a.t.dataType : value.absentIsFloat ? F32 : undefined;
  }
  return undefined;
}

function tensorAttribute(name: string, t: TensorProto): AttributeProto {
  return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t }) as unknown as AttributeProto;
}

function toNumber(v: Long | number): number {
  return Long.isLong(v) ? (v as Long).toNumber() : Number(v);
}

function withElemType(vi: ValueInfoProto, elemType: number): ValueInfoProto {
  const type = vi.type!;
  return cloneMessage(vi, { type: cloneMessage(type, { tensorType: cloneMessage(type.tensorType!, { elemType }) }) });
}
