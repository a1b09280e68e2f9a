// Builds the ModelSummary the UI draws from: ids, op types, edges, shapes, params. No payloads.
import { describeOutputTasks } from './output-tasks';
import { constantTensor, type GraphIR } from '../../core/graph/ir';
import type { ShapeResult } from '../../core/graph/shapes';
import type { ModelMetrics } from '../../core/metrics/model-metrics';
import { AttributeType, Long, type AttributeProto, type ModelProto, type TensorProto } from '../../core/onnx/proto';
import { tensorDims, tensorSize } from '../../core/onnx/tensor';
import { dataTypeName } from '../data-types';
import { opFamily } from '../op-family';
import type { AttributeSummary, EdgeSummary, GraphPort, ModelSummary, NodeSummary, TensorSummary } from '../protocol';

const num = (v: Long | number): number => (Long.isLong(v) ? (v as Long).toNumber() : Number(v));
const MAX_LIST = 16;
const list = (values: (string | number)[]): string =>
  `[${values.slice(0, MAX_LIST).join(', ')}${values.length > MAX_LIST ? `, … (${values.length})` : ''}]`;
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const tensorText = (t: TensorProto): string => `${dataTypeName(t.dataType)} tensor [${tensorDims(t).join(', ')}]`;

function attributeValue(a: AttributeProto): string {
  switch (a.type) {
    case AttributeType.FLOAT: return String(a.f);
    case AttributeType.INT: return String(num(a.i));
    case AttributeType.STRING: return JSON.stringify(text(a.s));
    case AttributeType.FLOATS: return list(a.floats);
    case AttributeType.INTS: return list(a.ints.map(num));
    case AttributeType.STRINGS: return list(a.strings.map((s) => JSON.stringify(text(s))));
    case AttributeType.TENSOR: return a.t ? tensorText(a.t) : 'tensor';
    case AttributeType.GRAPH: return `subgraph (${a.g?.node.length ?? 0} nodes)`;
    case AttributeType.GRAPHS: return `${a.graphs.length} subgraphs`;
    default: return `(${AttributeType[a.type] ?? a.type})`;
  }
}

function attributes(attrs: AttributeProto[]): AttributeSummary[] {
  return attrs.map((a) => ({ name: a.name, value: attributeValue(a) }));
}

/** Optional facts computed elsewhere. */
export interface SummaryExtras {
  /** core/metrics results: params (following Identity-forwarded weights) and MACs per node. */
  metrics?: ModelMetrics;
}

/** Summarises a decoded, indexed model for the UI. */
export function summariseModel(
  ir: GraphIR,
  shapes: ShapeResult,
  file: { fileName: string; modelHash: string; fileBytes: number; externalDataFiles: string[] },
  extras: SummaryExtras = {},
): ModelSummary {
  const model: ModelProto = ir.model;
  const tensors: Record<string, TensorSummary> = {};
  for (const [name, info] of shapes.tensors) tensors[name] = { shape: info.shape, dataType: info.dataType };
  for (const [name, init] of ir.initializers) tensors[name] = { shape: tensorDims(init), dataType: init.dataType, constant: true };

  const port = (prefix: 'input' | 'output', name: string): GraphPort => ({
    id: `${prefix}:${name}`, name, shape: tensors[name]?.shape, dataType: tensors[name]?.dataType,
  });
  const inputs = ir.inputs.map((i) => port('input', i.name));
  const outputs = [...ir.outputs].map((name) => port('output', name));
  const inputIds = new Set(ir.inputs.map((i) => i.name));

  const edges: EdgeSummary[] = [];
  const metricsById = new Map(extras.metrics?.nodes.map((m) => [m.id, m]));
  let totalParams = 0;
  const nodes: NodeSummary[] = ir.nodes.map((node, index) => {
    const id = ir.nodeId.get(node)!;
    let params = 0;
    node.input.forEach((name) => {
      if (!name) return;
      const producer = ir.producer.get(name);
      if (producer) {
        if (producer.opType === 'Constant') {
          const t = constantTensor(ir, name);
          if (t) tensors[name] = { ...tensors[name], shape: tensorDims(t), dataType: t.dataType, constant: true };
        }
        edges.push({ from: ir.nodeId.get(producer)!, to: id, tensor: name });
        return;
      }
      if (inputIds.has(name)) {
        edges.push({ from: `input:${name}`, to: id, tensor: name });
        return;
      }
      const init = ir.initializers.get(name);
      if (init) params += tensorSize(init);
    });
    totalParams += params;
    const metrics = metricsById.get(id);
    if (metrics) params = metrics.params;
    const macs = metrics?.macs ?? undefined;
    return {
      id, index, name: node.name, opType: node.opType, domain: node.domain, family: opFamily(node.opType),
      inputs: [...node.input], outputs: [...node.output], attributes: attributes(node.attribute), params, macs,
    };
  });
  for (const name of ir.outputs) {
    const producer = ir.producer.get(name);
    const from = producer ? ir.nodeId.get(producer)! : inputIds.has(name) ? `input:${name}` : undefined;
    if (from) edges.push({ from, to: `output:${name}`, tensor: name });
  }

  return {
    ...file,
    graphName: ir.graph.name,
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    irVersion: num(model.irVersion as Long | number),
    opsets: model.opsetImport.map((o) => `${o.domain || 'ai.onnx'} ${num(o.version as Long | number)}`).join(', '),
    inputs,
    outputs,
    nodes,
    edges,
    tensors,
    totals: extras.metrics
      ? { params: extras.metrics.params, macs: extras.metrics.macs, macsLowerBound: extras.metrics.macsUnknown.length > 0 }
      : { params: totalParams },
    unknownShapes: shapes.unknownNodes,
    outputTasks: describeOutputTasks(ir, shapes),
  };
}
