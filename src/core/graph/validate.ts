// The model validator: what must hold before any analysis, so that a corrupt or hand-edited model
// is refused with the tensor or node named instead of being "repaired" by pruning. It checks
//   - payloads: every constant holds exactly the values its dims and type declare,
//   - structure: every node input is provided, nodes come in topological order, no cycles,
//     every tensor has one producer, graph outputs are produced,
//   - agreement: each layer's weights fit the channels it reads (src/core/graph/consistency.ts),
// and reports weights holding NaN or ±Inf (which make weight criteria rank arbitrarily).
import { onnx, TensorDataType, type ModelProto, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { OnnxFormatError } from '../onnx/errors.js';
import { bytesPerElement, tensorDims } from '../onnx/tensor.js';
import { attrTensor } from './attributes.js';
import { checkConsistency } from './consistency.js';
import { buildGraph, type GraphIR } from './ir.js';

/** One finding, named by the tensor or node it is about. */
export interface ModelIssue {
  /** Tensor or node name. */
  where: string;
  message: string;
}

export interface ValidationReport {
  /** Broken models: analysis and pruning must not go on. */
  errors: ModelIssue[];
  /** Float constants with NaN or ±Inf values, and how many. */
  nonFinite: { tensor: string; count: number }[];
}

/**
 * Raised for a model that fails validation. It is an OnnxFormatError, so every caller that explains
 * unreadable files (CLI, studio worker) explains this one: file, what is wrong, what to do.
 */
export class ModelValidationError extends OnnxFormatError {
  constructor(source: string, readonly issues: readonly ModelIssue[]) {
    const shown = issues.slice(0, 5).map((i) => `${i.where}: ${i.message}`);
    if (issues.length > 5) shown.push(`… and ${issues.length - 5} more`);
    super(source, `not a valid model: ${shown.join('; ')}`, 'Nothing was changed. Export the model again (or repair it with the onnx tools) and open the new file.');
  }
}

const DT = TensorDataType;
const FLOAT_TYPES = new Set<number>([DT.FLOAT, DT.FLOAT16, DT.DOUBLE, DT.BFLOAT16]);

/** How many values the typed field of `t` holds (complex types count both parts). */
function typedCount(t: TensorProto): number {
  switch (t.dataType) {
    case DT.FLOAT: return t.floatData.length;
    case DT.COMPLEX64: return t.floatData.length / 2;
    case DT.DOUBLE: return t.doubleData.length;
    case DT.COMPLEX128: return t.doubleData.length / 2;
    case DT.INT64: return t.int64Data.length;
    case DT.UINT32: case DT.UINT64: return t.uint64Data.length;
    case DT.STRING: return t.stringData.length;
    default: return t.int32Data.length;
  }
}

/** Why the payload of `t` does not match its declared shape, or undefined when it does. */
export function payloadProblem(t: TensorProto): string | undefined {
  const dims = tensorDims(t);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) return `dims ${JSON.stringify(dims)} are not sizes`;
  const n = dims.reduce((a, d) => a * d, 1);
  const bpe = bytesPerElement(t.dataType);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const length = t.externalData.find((e) => e.key === 'length')?.value;
    if (length !== undefined && bpe && Number(length) !== n * bpe) return `its external data entry holds ${length} bytes but ${JSON.stringify(dims)} of this type needs ${n * bpe}`;
    return undefined;
  }
  if (t.rawData?.length) {
    if (bpe && t.rawData.length !== n * bpe) return `raw_data holds ${t.rawData.length} bytes but ${JSON.stringify(dims)} of this type needs ${n * bpe}`;
    return undefined;
  }
  const count = typedCount(t);
  if (count !== n) return `holds ${count} values but its shape ${JSON.stringify(dims)} needs ${n}`;
  return undefined;
}

/** Where the exponent of each raw float type lies: in which 32- or 16-bit words, under which mask. */
const RAW_EXPONENT: Partial<Record<number, { bits: 16 | 32; first: number; stride: number; mask: number }>> = {
  [DT.FLOAT]: { bits: 32, first: 0, stride: 1, mask: 0x7f800000 },
  [DT.DOUBLE]: { bits: 32, first: 1, stride: 2, mask: 0x7ff00000 }, // the high word (little-endian)
  [DT.FLOAT16]: { bits: 16, first: 0, stride: 1, mask: 0x7c00 },
  [DT.BFLOAT16]: { bits: 16, first: 0, stride: 1, mask: 0x7f80 },
};

/** Unaligned payloads are scanned through this buffer, a chunk at a time (a multiple of 8 bytes). */
const SCRATCH = new Uint8Array(1 << 16);

/**
 * How many NaN/±Inf values a float tensor with a sound payload holds (values whose exponent bits
 * are all set), read from its bytes or typed field without a copy of the tensor: a multi-GB model
 * is scanned with one small scratch buffer (typed-array loops run faster than DataView reads).
 */
export function nonFiniteCount(t: TensorProto): number {
  const raw = t.rawData;
  if (raw?.length) {
    const exp = RAW_EXPONENT[t.dataType];
    if (!exp) return 0;
    let count = 0;
    const step = raw.byteOffset % 4 === 0 ? raw.length : SCRATCH.length;
    for (let start = 0; start < raw.length; start += step) {
      let chunk = raw.subarray(start, start + step);
      if (chunk.byteOffset % 4 !== 0) {
        SCRATCH.set(chunk);
        chunk = SCRATCH.subarray(0, chunk.length);
      }
      count += exp.bits === 32
        ? count32(new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length >> 2), exp.first, exp.stride, exp.mask)
        : count16(new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length >> 1), exp.mask);
    }
    return count;
  }
  switch (t.dataType) {
    case DT.FLOAT: case DT.DOUBLE: {
      const values = t.dataType === DT.FLOAT ? t.floatData : t.doubleData;
      let count = 0;
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count++;
      return count;
    }
    // float16 and bfloat16 keep their bits in int32_data.
    case DT.FLOAT16: return countMasked(t.int32Data, 0x7c00);
    case DT.BFLOAT16: return countMasked(t.int32Data, 0x7f80);
    default: return 0;
  }
}

// One loop per word type: a loop over several array types would run several times slower.
/** Words among words[first], words[first + stride], … whose bits under `mask` are all set. */
function count32(words: Uint32Array, first: number, stride: number, mask: number): number {
  let count = 0;
  for (let i = first; i < words.length; i += stride) if ((words[i]! & mask) === mask) count++;
  return count;
}

function count16(words: Uint16Array, mask: number): number {
  let count = 0;
  for (let i = 0; i < words.length; i++) if ((words[i]! & mask) === mask) count++;
  return count;
}

function countMasked(words: readonly number[], mask: number): number {
  let count = 0;
  for (let i = 0; i < words.length; i++) if ((words[i]! & mask) === mask) count++;
  return count;
}

/** Constants of the main graph: initializers and Constant nodes' tensors. */
function* constants(ir: GraphIR): Generator<TensorProto> {
  yield* ir.graph.initializer;
  for (const node of ir.nodes) {
    if (node.opType !== 'Constant') continue;
    const t = attrTensor(node, 'value');
    if (t) yield { ...t, name: t.name || node.output[0] || '' } as TensorProto;
  }
}

function structureIssues(ir: GraphIR): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const id = (n: NodeProto) => ir.nodeId.get(n) ?? n.name;
  const available = new Set<string>([...ir.graph.input.map((i) => i.name), ...ir.initializers.keys()]);
  const producers = new Map<string, NodeProto[]>();
  for (const node of ir.nodes) for (const out of node.output) if (out) producers.set(out, [...(producers.get(out) ?? []), node]);
  for (const [name, ps] of producers) {
    if (ps.length > 1) issues.push({ where: name, message: `is produced by ${ps.length} nodes (${ps.map(id).join(', ')}); every tensor must have one producer` });
    else if (available.has(name)) issues.push({ where: name, message: `is both a graph input or initializer and the output of node "${id(ps[0]!)}"` });
  }
  const cyclic = cycleNodes(ir);
  for (const node of ir.nodes) {
    for (const name of node.input) {
      if (!name || available.has(name)) continue;
      const p = producers.get(name)?.[0];
      if (!p) issues.push({ where: id(node), message: `reads "${name}", which no node, graph input or initializer provides` });
      else if (p === node) issues.push({ where: id(node), message: `reads its own output "${name}" (a self-loop)` });
      else if (cyclic.has(node)) issues.push({ where: id(node), message: `is part of a cycle through "${name}" (from node "${id(p)}"); ONNX graphs must be acyclic` });
      else issues.push({ where: id(node), message: `reads "${name}" before node "${id(p)}" produces it (nodes must be in topological order)` });
    }
    for (const out of node.output) if (out) available.add(out);
  }
  for (const out of ir.graph.output) if (!available.has(out.name)) issues.push({ where: out.name, message: 'is a graph output that nothing produces' });
  return issues;
}

/** Nodes on a cycle (Kahn's algorithm: what never becomes ready). */
function cycleNodes(ir: GraphIR): Set<NodeProto> {
  const waiting = new Map<NodeProto, number>();
  const ready: NodeProto[] = [];
  for (const node of ir.nodes) {
    const deps = new Set(node.input.filter((n) => n && ir.producer.has(n)));
    waiting.set(node, deps.size);
    if (!deps.size) ready.push(node);
  }
  while (ready.length) {
    const node = ready.pop()!;
    waiting.delete(node);
    for (const out of new Set(node.output)) {
      for (const consumer of new Set((ir.consumers.get(out) ?? []).map((u) => u.node))) {
        const left = waiting.get(consumer);
        if (left === undefined) continue;
        waiting.set(consumer, left - 1);
        if (left === 1) ready.push(consumer);
      }
    }
  }
  return new Set(waiting.keys());
}

/** Validates `model`; see the header for what is checked. */
export function validateModel(model: ModelProto, ir: GraphIR = buildGraph(model)): ValidationReport {
  const errors: ModelIssue[] = [];
  const nonFinite: ValidationReport['nonFinite'] = [];
  let payloadsOk = true;
  for (const t of constants(ir)) {
    const problem = payloadProblem(t);
    if (problem) {
      payloadsOk = false;
      errors.push({ where: `tensor "${t.name}"`, message: problem });
      continue;
    }
    if (!FLOAT_TYPES.has(t.dataType) || t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const count = nonFiniteCount(t);
    if (count) nonFinite.push({ tensor: t.name, count });
  }
  const structure = structureIssues(ir);
  errors.push(...structure);
  // Shape inference reads constant values: only meaningful on sound payloads and structure.
  if (payloadsOk && !structure.length) {
    for (const p of checkConsistency(ir)) errors.push({ where: `${p.opType} node "${p.node}"`, message: p.message });
  }
  return { errors, nonFinite };
}

/** Validates `model` and throws ModelValidationError (naming `source`) when it has errors. */
export function assertValidModel(model: ModelProto, source: string): ValidationReport {
  const report = validateModel(model);
  if (report.errors.length) throw new ModelValidationError(source, report.errors);
  return report;
}

/** A one-line warning for non-finite weights, or undefined. */
export function nonFiniteWarning(report: ValidationReport): string | undefined {
  if (!report.nonFinite.length) return undefined;
  const list = report.nonFinite.slice(0, 5).map((t) => `"${t.tensor}" (${t.count})`).join(', ');
  return `weights hold NaN or infinite values: ${list}${report.nonFinite.length > 5 ? ', …' : ''}`;
}
