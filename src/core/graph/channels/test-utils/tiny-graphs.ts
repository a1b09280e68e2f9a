// Tiny ONNX graphs for the channel-analysis rule tests: convolutions with constant weights and
// biases on one line, and look-ups of the group a node's channels belong to.
import { GraphBuilder } from '../../shape-ops/test-utils/graph-builder.js';
import { buildGraph } from '../../ir.js';
import { analyseChannels, type AnalysisOptions, type ChannelAnalysis } from '../analyse.js';
import type { ChannelGroup } from '../types.js';

export { GraphBuilder };

/** A graph builder with a float input `x` of shape [1, channels, size, size]. */
export function withInput(channels: number, opset = 17, size = 4): GraphBuilder {
  return new GraphBuilder(opset).input('x', [1, channels, size, size]);
}

/** Conv `input` → `output` (node name `output`), a k×k kernel, constant weight and bias. */
export function conv(b: GraphBuilder, input: string, output: string, cin: number, cout: number, options: { k?: number; group?: number } = {}): GraphBuilder {
  const k = options.k ?? 1;
  const group = options.group ?? 1;
  b.weight(`${output}_w`, [cout, cin / group, k, k]).weight(`${output}_b`, [cout]);
  return b.node('Conv', [input, `${output}_w`, `${output}_b`], [output], { kernel_shape: [k, k], pads: [k >> 1, k >> 1, k >> 1, k >> 1], group });
}

/** Builds, decodes and analyses. */
export function analyse(b: GraphBuilder, options: AnalysisOptions = {}): ChannelAnalysis {
  return analyseChannels(buildGraph(b.build()), undefined, options);
}

/** The group holding the channels the node `id` creates (its producer space). */
export function groupOf(a: ChannelAnalysis, id: string): ChannelGroup {
  const space = a.spaces.find((s) => s.name === id);
  if (!space) throw new Error(`no channel space created by ${id}; spaces: ${a.spaces.map((s) => s.name).join(', ')}`);
  return a.groups[a.groupOfSpace[space.index]!]!;
}

/** The roles of a group's members, as "node: role". */
export function memberRoles(g: ChannelGroup): string[] {
  return g.members.map((m) => `${m.node}: ${m.role}`);
}
