// The `inspect` report: one plain object (the --json output, schemaVersion 1, documented in
// docs/cli.md) and its text rendering. Adding fields is fine; renaming or removing one needs a new
// schemaVersion, because scripts parse this.
import { buildGraph } from '../../core/graph/ir.js';
import { declaredInfo, inferShapes, type Dim, type ShapeOptions } from '../../core/graph/shapes.js';
import { computeMetrics } from '../../core/metrics/model-metrics.js';
import { Long, TensorDataType, type ModelProto, type ValueInfoProto } from '../../core/onnx/proto.js';
import { formatTable, humanBytes, humanCount } from './table.js';

export interface TensorSummary {
  name: string;
  /** Dims: numbers, symbols ("batch"), or "?" when unknown; null when even the rank is unknown. */
  shape: Dim[] | null;
  /** ONNX element type name, e.g. "FLOAT", "INT64"; null when unknown. */
  dataType: string | null;
}

export interface InspectReport {
  schemaVersion: 1;
  file: string;
  producer: { name: string; version: string };
  irVersion: number;
  /** Domain ("ai.onnx" for the default one) → opset version. */
  opsets: Record<string, number>;
  /** True for files whose weight values were removed (dims kept), e.g. shape-only fixtures. */
  weightsStripped: boolean;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Floating-point weight elements, each shared tensor once. */
  params: number;
  /** Bytes of all constant tensors the nodes read, each once. */
  bytes: number;
  /** Per-sample multiply-accumulates of Conv/ConvTranspose/Gemm/MatMul (a lower bound if macsUnknown is non-empty). */
  macs: number;
  /** True when `macs` is a lower bound: some node's MACs are unknown (listed in macsUnknown). */
  macsLowerBound: boolean;
  macsUnknown: { node: string; reason: string }[];
  /** Op type → number of nodes, sorted by count. */
  opCounts: Record<string, number>;
  /** Nodes whose output shapes (or some dims) could not be inferred. */
  unknownShapes: { node: string; opType: string; reason: string }[];
  nodes: { id: string; opType: string; outputShape: Dim[] | null; params: number; bytes: number; macs: number | null }[];
}

const typeName = (t: number | undefined): string | null => (t ? ((TensorDataType as unknown as Record<number, string>)[t] ?? String(t)) : null);
const num = (v: Long | number | null | undefined) => (Long.isLong(v) ? (v as Long).toNumber() : Number(v ?? 0));

/** Builds the report of a decoded model (at `options.inputShapes` when given); `file` is echoed as given. */
export function inspectModel(model: ModelProto, file: string, options: ShapeOptions = {}): InspectReport {
  const ir = buildGraph(model);
  const shapes = inferShapes(ir, options);
  const metrics = computeMetrics(ir, shapes);
  const summary = (vi: ValueInfoProto): TensorSummary => {
    const info = shapes.tensors.get(vi.name) ?? declaredInfo(vi);
    return { name: vi.name, shape: info?.shape ?? null, dataType: typeName(info?.dataType) };
  };
  const counts = new Map<string, number>();
  for (const n of ir.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  return {
    schemaVersion: 1,
    file,
    producer: { name: model.producerName, version: model.producerVersion },
    irVersion: num(model.irVersion),
    opsets: Object.fromEntries(model.opsetImport.map((o) => [o.domain || 'ai.onnx', num(o.version)])),
    weightsStripped: model.metadataProps.some((p) => p.key === 'weights_stripped' && p.value === 'true'),
    inputs: ir.inputs.map(summary),
    outputs: ir.graph.output.map(summary),
    params: metrics.params,
    bytes: metrics.bytes,
    macs: metrics.macs,
    macsLowerBound: metrics.macsLowerBound,
    macsUnknown: metrics.macsUnknown,
    opCounts: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    unknownShapes: shapes.unknownNodes,
    nodes: metrics.nodes.map((n) => ({ id: n.id, opType: n.opType, outputShape: n.outputShape ?? null, params: n.params, bytes: n.bytes, macs: n.macs })),
  };
}

const shapeText = (s: Dim[] | null) => (s ? `[${s.join(',')}]` : '?');

/** True when an input has a dim beyond the first (the batch) that is not a number. */
const dynamicInputs = (r: InspectReport) => r.inputs.some((i) => i.shape?.slice(1).some((d) => typeof d !== 'number'));

/** The human-readable rendering of a report. */
export function renderInspect(r: InspectReport): string {
  const tensorLines = (ts: TensorSummary[]) => ts.map((t) => `  ${t.name}  ${t.dataType ?? '?'} ${shapeText(t.shape)}`).join('\n');
  const lines = [
    `Model     ${r.file}${r.weightsStripped ? '  (weights stripped: dims only)' : ''}`,
    `Producer  ${r.producer.name || '?'} ${r.producer.version}   IR ${r.irVersion}   opsets ${Object.entries(r.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}`,
    `Params    ${humanCount(r.params)} (${r.params.toLocaleString('en-US')})`,
    r.macsLowerBound
      ? `MACs      ≥ ${humanCount(r.macs)} per sample (lower bound: MACs of ${r.macsUnknown.length} nodes unknown${dynamicInputs(r) ? '; give --input-shape for the dynamic input dims' : ''})`
      : `MACs      ${humanCount(r.macs)} per sample`,
    `Weights   ${humanBytes(r.bytes)}`,
    `Inputs\n${tensorLines(r.inputs)}`,
    `Outputs\n${tensorLines(r.outputs)}`,
    `Ops       ${Object.entries(r.opCounts).map(([op, n]) => `${op}×${n}`).join(' ')}`,
    r.unknownShapes.length
      ? `Unknown shapes (${r.unknownShapes.length})\n${r.unknownShapes.map((u) => `  ${u.node} (${u.opType}): ${u.reason}`).join('\n')}`
      : 'Unknown shapes: none',
    ...r.macsUnknown.map((u) => `  MACs unknown for ${u.node}: ${u.reason}`),
    '',
  ];
  const rows = r.nodes.map((n) => [n.id, n.opType, shapeText(n.outputShape), n.params ? n.params.toLocaleString('en-US') : '', n.macs === null ? '?' : n.macs ? n.macs.toLocaleString('en-US') : '']);
  return `${lines.join('\n')}\n${formatTable(['node', 'op', 'output shape', 'params', 'MACs'], rows, new Set([3, 4]))}`;
}
