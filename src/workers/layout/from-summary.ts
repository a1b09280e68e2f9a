// Turns a ModelSummary into layout input: graph inputs and outputs become io boxes.
import { isChannelTransparent } from '../op-family';
import type { LayoutNodeInput, ModelSummary } from '../protocol';

/** Layout nodes (inputs, nodes in file order, outputs) for a model summary. */
export function layoutNodesFromSummary(summary: ModelSummary): LayoutNodeInput[] {
  const port = (p: { id: string; name: string }): LayoutNodeInput => ({
    id: p.id, opType: 'io', family: 'io', label: p.name, channelTransparent: false,
  });
  return [
    ...summary.inputs.map(port),
    ...summary.nodes.map((n) => ({
      id: n.id, opType: n.opType, family: n.family, label: n.opType, channelTransparent: isChannelTransparent(n.opType),
    })),
    ...summary.outputs.map(port),
  ];
}
