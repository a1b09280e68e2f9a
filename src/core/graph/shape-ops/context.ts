// What a shape rule sees of one node: its attributes (via attributes.ts) and what is known about
// its inputs. Rules return one TensorInfo per output or throw ShapeUnknown with a reason.
import type { NodeProto } from '../../onnx/proto.js';
import type { Dim, TensorInfo } from '../shapes.js';
import { isNum, ShapeUnknown } from './dims.js';

/** Inputs of one node, as a shape rule reads them. */
export class OpContext {
  constructor(
    readonly node: NodeProto,
    /** Opset version of the node's domain. */
    readonly opset: number,
    private readonly infos: (TensorInfo | undefined)[],
  ) {}

  /** True when input `i` is given (ONNX marks skipped optional inputs with an empty name). */
  has(i: number): boolean {
    return !!this.node.input[i];
  }

  /** Number of given inputs. */
  get inputCount(): number {
    return this.node.input.length;
  }

  /** What is known about input `i`. */
  info(i: number): TensorInfo | undefined {
    return this.has(i) ? this.infos[i] : undefined;
  }

  /** The shape of input `i`; throws ShapeUnknown when it is absent or unknown. */
  shape(i: number): Dim[] {
    const s = this.info(i)?.shape;
    if (!s) throw new ShapeUnknown(this.has(i) ? `shape of input "${this.node.input[i]}" is unknown` : `input ${i} is missing`);
    return s;
  }

  /** The element type of input `i` (TensorProto.DataType), if known. */
  dtype(i: number): number | undefined {
    return this.info(i)?.dataType;
  }

  /** Known values of input `i` (constants and propagated small integer tensors). */
  values(i: number): Dim[] | undefined {
    return this.info(i)?.values;
  }

  /** Known values of input `i` that must all be numbers (axes, pads, scales); throws otherwise. */
  ints(i: number, what: string): number[] {
    const v = this.values(i);
    if (!v) throw new ShapeUnknown(`${what} (input "${this.node.input[i]}") is not a known constant`);
    if (!v.every(isNum)) throw new ShapeUnknown(`${what} (input "${this.node.input[i]}") depends on a dynamic size`);
    return v;
  }

  /** Like ints() but undefined when the input is absent. */
  optionalInts(i: number, what: string): number[] | undefined {
    return this.has(i) ? this.ints(i, what) : undefined;
  }
}

/** A shape rule: one TensorInfo per output (values optional), or throw ShapeUnknown. */
export type ShapeRule = (ctx: OpContext) => TensorInfo[];
