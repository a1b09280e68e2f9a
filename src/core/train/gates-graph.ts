// GDP's gates in the training graph, and their removal afterwards. A gate per channel of every
// gateable group multiplies the channel where a linear layer reads it (the data input of a Conv,
// ConvTranspose, Gemm or MatMul with constant weights): `x ⊙ g` right before the layer. Every path
// of a gateable group's channels to the outputs goes through such a read (checked below), so a gate
// at exactly 0 cuts its channel off completely and removing the channel changes nothing; a gate g ≠ 0
// is folded exactly into the layer's input columns, W[:, c] ← g_c · W[:, c] (Conv(x ⊙ g; W) =
// Conv(x; W ⊙ g) because the layer is linear in x and zero padding commutes with a per-channel
// scale; no sign assumption, so ReLU/BN around it do not matter). The gate value is the smoothed L0
// of GDP, g = θ² / (θ² + ε), computed in the graph from a trainable θ per channel and a fed ε.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ChannelLayout } from '../graph/channels/types.js';
import { attrInt } from '../graph/attributes.js';
import { usesOf } from '../graph/ir.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { restoreTopologicalOrder } from '../onnx/node-order.js';
import type { ModelProto, NodeProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { GraphBuilder, makeValueInfo } from '../score/graph-builder.js';
import { trainableParameters } from './parameters.js';

/** The fed input holding ε of the gate function (shape [1]). */
export const EPSILON_INPUT = 'gdp_epsilon';
const PREFIX = 'gdp_';

/** The axis of a linear layer's weight that its data input's channels index. */
function weightInputAxis(node: NodeProto): number | undefined {
  switch (node.opType) {
    case 'Conv': return attrInt(node, 'group', 1) === 1 ? 1 : undefined;
    case 'ConvTranspose': return attrInt(node, 'group', 1) === 1 ? 0 : undefined;
    case 'Gemm': return attrInt(node, 'transB', 0) ? 1 : 0;
    case 'MatMul': return 0;
    default: return undefined;
  }
}

/** A gated group: its θ initializer (one entry per channel) in the gated model. */
export interface GateGroup {
  id: string;
  channels: number;
  theta: string;
}

/** One tensor read by gated layers: what each position along its channel axis is (a gate or a constant 1). */
export interface GateSite {
  tensor: string;
  /** The gated tensor the layers read instead. */
  gated: string;
  /** Per position of the channel axis (segment by segment, `block` entries per channel): [index into groups, channel] or undefined (not gated). */
  positions: ([number, number] | undefined)[];
  /** The layers reading it: their weight initializer and the weight axis the positions index. */
  consumers: { weight: string; axis: number }[];
}

export interface GatedModel {
  model: ModelProto;
  groups: GateGroup[];
  sites: GateSite[];
  /** Prunable groups that got no gates, and why (they are left whole). */
  skipped: { group: string; reason: string }[];
  /** Nodes and initializers the gates added (removed again by foldGates). */
  added: { nodes: Set<string>; initializers: Set<string> };
}

interface Consumer {
  node: NodeProto;
  axis: number;
  layout: ChannelLayout;
}

/** The linear layers reading tracked channels through their data input, and the groups that cannot be gated. */
function findConsumers(analysis: ChannelAnalysis): { consumers: Consumer[]; refused: Map<number, string> } {
  const { ir } = analysis;
  const refused = new Map<number, string>();
  const refuse = (layout: ChannelLayout, reason: string) => {
    for (const s of layout.segments) {
      const gi = analysis.groupOfSpace[s.space]!;
      if (!refused.has(gi)) refused.set(gi, reason);
    }
  };
  const consumers: Consumer[] = [];
  const isConsumer = new Set<NodeProto>();
  for (const node of ir.nodes) {
    const layout = node.input[0] ? analysis.layouts.get(node.input[0]) : undefined;
    const axis = weightInputAxis(node);
    if (!layout || axis === undefined) continue;
    const weight = node.input[1];
    const w = weight ? ir.initializers.get(weight) : undefined;
    const id = ir.nodeId.get(node) ?? node.opType;
    if (!w || w.dataType !== TensorDataType.FLOAT) { refuse(layout, `${node.opType} "${id}" reads the channels with a weight that is not a float32 initializer`); continue; }
    if (usesOf(ir, weight!).length !== 1) { refuse(layout, `the weight of ${node.opType} "${id}" is shared with other layers`); continue; }
    const positions = layout.segments.reduce((n, s) => n + s.length, 0) * layout.block;
    if (tensorDims(w)[axis] !== positions || layout.unit || layout.outer) { refuse(layout, `${node.opType} "${id}" does not read its channels one weight column each`); continue; }
    consumers.push({ node, axis, layout });
    isConsumer.add(node);
  }
  // Every other reader must pass the channels on (so a later gated layer reads them) or only read the shape.
  for (const [tensor, layout] of analysis.layouts) {
    for (const use of usesOf(ir, tensor)) {
      const n = use.node;
      if ((isConsumer.has(n) && use.inputIndex === 0) || n.opType === 'Shape' || n.opType === 'Size') continue;
      if (n.output.some((o) => o && analysis.layouts.has(o))) continue;
      refuse(layout, `the channels reach ${n.opType} "${ir.nodeId.get(n) ?? n.opType}", which neither passes them on nor reads them through weights`);
    }
  }
  return { consumers, refused };
}

export interface GateOptions {
  /** θ at the start (every gate), and ε at the start: the consumers' weights are divided by g(θ0, ε0) so the gated model starts equal to the model. */
  theta0: number;
  epsilon0: number;
}

/** g = θ² / (θ² + ε), GDP's smoothed L0 gate (0 exactly at θ = 0, → 1 for |θ| ≫ √ε). */
export const gateValue = (theta: number, epsilon: number): number => (theta * theta) / (theta * theta + epsilon);

/** A copy of `model` (the model `analysis` was made of) with gates before every linear layer that reads gateable channels (see the file comment). */
export function buildGatedModel(model: ModelProto, analysis: ChannelAnalysis, options: GateOptions): GatedModel {
  const { consumers, refused } = findConsumers(analysis);
  const skipped: GatedModel['skipped'] = [];
  const groupIndex = new Map<number, number>();
  const groups: GateGroup[] = [];
  const copy = decodeModel(encodeModel(model), 'gated copy');
  const graph = copy.graph!;
  // The copy's nodes in the analysed model's order (the gates are appended, then everything is re-sorted).
  const originals = graph.node.slice();
  const indexOf = new Map(analysis.ir.nodes.map((n, i) => [n, i]));
  const before = { nodes: new Set(graph.node.map((n) => n.name)), initializers: new Set(graph.initializer.map((t) => t.name)) };
  const b = new GraphBuilder(graph, PREFIX);
  graph.input.push(makeValueInfo(EPSILON_INPUT, [1]));
  const gateOf = new Map<number, string>();
  analysis.groups.forEach((g, gi) => {
    if (!g.prunable) return;
    const reason = refused.get(gi) ?? (g.unit > 1 ? 'attention heads are not gated yet' : g.blocks > 1 ? 'grouped convolutions are not gated' : g.channelStatistics ? 'an op normalises across these channels' : undefined);
    if (reason) return skipped.push({ group: g.id, reason });
    if (!consumers.some((c) => c.layout.segments.some((s) => analysis.groupOfSpace[s.space] === gi))) return skipped.push({ group: g.id, reason: 'no layer reads these channels through weights' });
    const theta = b.floats('theta', [g.channels], new Float32Array(g.channels).fill(options.theta0));
    const sq = b.op('Mul', [theta, theta], {}, 'theta_sq');
    gateOf.set(gi, b.op('Div', [sq, b.op('Add', [sq, EPSILON_INPUT])], {}, 'gate'));
    groupIndex.set(gi, groups.length);
    groups.push({ id: g.id, channels: g.channels, theta });
  });

  const g0 = gateValue(options.theta0, options.epsilon0);
  const byTensor = new Map<string, Consumer[]>();
  for (const c of consumers) if (c.layout.segments.some((s) => gateOf.has(analysis.groupOfSpace[s.space]!))) byTensor.set(c.node.input[0]!, [...(byTensor.get(c.node.input[0]!) ?? []), c]);
  const initByName = new Map(graph.initializer.map((t, i) => [t.name, i]));
  const sites: GateSite[] = [];
  for (const [tensor, readers] of byTensor) {
    const layout = readers[0]!.layout;
    const positions: GateSite['positions'] = [];
    const pieces = layout.segments.map((s) => {
      const gi = analysis.groupOfSpace[s.space]!;
      const gate = gateOf.get(gi);
      for (let c = s.start; c < s.start + s.length; c++) for (let k = 0; k < layout.block; k++) positions.push(gate ? [groupIndex.get(gi)!, c] : undefined);
      if (!gate) return b.floats('ones', [s.length], new Float32Array(s.length).fill(1));
      if (s.start === 0 && s.length === analysis.groups[gi]!.channels) return gate;
      return b.op('Slice', [gate, b.ints('start', [1], [s.start]), b.ints('end', [1], [s.start + s.length]), b.ints('axis', [1], [0])]);
    });
    // Concatenated as rows [1, len] along axis 1: the training graph's Concat rule treats axis 0 as the batch.
    const rows = () => pieces.map((p, i) => b.op('Reshape', [p, b.ints('shape', [2], [1, layout.segments[i]!.length])]));
    let vector = pieces.length === 1 ? pieces[0]! : b.op('Concat', rows(), { axis: 1 });
    const n = positions.length / layout.block;
    if (layout.block > 1) {
      const column = b.op('Reshape', [vector, b.ints('shape', [2], [n, 1])]);
      vector = b.op('Mul', [column, b.floats('ones', [1, layout.block], new Float32Array(layout.block).fill(1))]);
    }
    const dims = Array.from({ length: layout.rank }, (_, i) => (i === layout.axis ? positions.length : 1));
    const gated = b.op('Mul', [tensor, b.op('Reshape', [vector, b.ints('shape', [dims.length], dims)])], {}, 'gated');
    const site: GateSite = { tensor, gated, positions, consumers: [] };
    for (const r of readers) {
      originals[indexOf.get(r.node)!]!.input[0] = gated;
      const weight = r.node.input[1]!;
      site.consumers.push({ weight, axis: r.axis });
      // Start equal to the model: the weights see g0 · x, so they are divided by g0 where a gate is.
      const at = initByName.get(weight)!;
      graph.initializer[at] = scaleAlong(graph.initializer[at]!, r.axis, positions.map((p) => (p ? 1 / g0 : 1)));
    }
    sites.push(site);
  }
  restoreTopologicalOrder(graph);
  const added = {
    nodes: new Set(graph.node.map((x) => x.name).filter((x) => !before.nodes.has(x))),
    initializers: new Set(graph.initializer.map((t) => t.name).filter((x) => !before.initializers.has(x))),
  };
  return { model: copy, groups, sites, skipped, added };
}

/** A float32 tensor with every slice along `axis` multiplied by its factor. */
function scaleAlong(t: Parameters<typeof tensorToFloat32>[0], axis: number, factors: readonly number[]) {
  const dims = tensorDims(t);
  const v = Float32Array.from(tensorToFloat32(t));
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const len = dims[axis]!;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * factors[Math.floor(i / inner) % len]!;
  return makeTensor(t.name, dims, TensorDataType.FLOAT, v);
}

/**
 * What trains in the gated model: the model's own parameters and every θ, never a constant the gates
 * added (the ones that spread a gate over a channel's block of positions after a Flatten are a Mul
 * operand, which trainableParameters would list, and foldGates would not see them change).
 */
export function gatedTrainable(gated: GatedModel): string[] {
  return [...trainableParameters(gated.model).filter((n) => !gated.added.initializers.has(n)), ...gated.groups.map((g) => g.theta)];
}

/**
 * The model `gatedTrained` computes with the gates fixed at `gates` (group id → gate value per
 * channel), without the gates: the gate nodes, θ and ε go, each gated layer reads its tensor
 * again, with its input columns multiplied by the gates (exact, see the file comment).
 */
export function foldGates(gatedTrained: ModelProto, gated: GatedModel, gates: ReadonlyMap<string, Float32Array>): ModelProto {
  const copy = decodeModel(encodeModel(gatedTrained), 'folded copy');
  const graph = copy.graph!;
  const back = new Map(gated.sites.map((s) => [s.gated, s.tensor]));
  graph.node = graph.node.filter((n) => !gated.added.nodes.has(n.name));
  for (const n of graph.node) n.input = n.input.map((i) => back.get(i) ?? i);
  const initAt = new Map(graph.initializer.map((t, i) => [t.name, i]));
  for (const site of gated.sites) {
    const factors = site.positions.map((p) => (p ? gates.get(gated.groups[p[0]]!.id)![p[1]]! : 1));
    for (const c of site.consumers) {
      const at = initAt.get(c.weight)!;
      graph.initializer[at] = scaleAlong(graph.initializer[at]!, c.axis, factors);
    }
  }
  graph.initializer = graph.initializer.filter((t) => !gated.added.initializers.has(t.name));
  graph.input = graph.input.filter((i) => i.name !== EPSILON_INPUT && !gated.added.initializers.has(i.name));
  return copy;
}
