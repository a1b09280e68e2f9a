// The post-surgery check: before a pruned model leaves the engine, every layer must agree with the
// channels it now reads (shape inference over the pruned model, src/core/graph/consistency.ts). A
// model that fails is never returned, so neither the CLI nor the studio can write one that
// onnxruntime would refuse; the error names the node and the channel group that broke it.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { memberSegments } from '../graph/channels/analyse.js';
import { checkConsistency, formatProblems, type ConsistencyProblem } from '../graph/consistency.js';
import { buildGraph } from '../graph/ir.js';
import type { ModelProto } from '../onnx/proto.js';
import type { PrunePlan } from './plan.js';

/** Raised when surgery produced a model whose layers disagree with their inputs. */
export class PruneIntegrityError extends Error {
  override readonly name = 'PruneIntegrityError';
  constructor(readonly problems: readonly ConsistencyProblem[], readonly groups: readonly string[]) {
    super(
      `pruning would write a broken model: ${formatProblems(problems)}` +
        (groups.length ? ` (channel group${groups.length > 1 ? 's' : ''} ${groups.map((g) => `"${g}"`).join(', ')})` : '') +
        '. Nothing was written. Keep these groups unpruned (ratio 0 or a lock) and report the model: the analysis missed a dependency.',
    );
  }
}

const key = (p: ConsistencyProblem) => `${p.node}\u0000${p.tensor}`;

/** Throws PruneIntegrityError when `pruned` has a disagreement that the analysed original did not have. */
export function assertSurgeryConsistent(pruned: ModelProto, analysis: ChannelAnalysis, plan: PrunePlan): void {
  const problems = checkConsistency(buildGraph(pruned));
  if (!problems.length) return;
  // A disagreement already in the input is the input's fault (the model validator reports it).
  const before = new Set(checkConsistency(analysis.ir).map(key));
  const added = problems.filter((p) => !before.has(key(p)));
  if (added.length) throw new PruneIntegrityError(added, groupsAt(analysis, added, new Set(Object.keys(plan.groups))));
}

/**
 * Ids of the pruned groups behind the broken nodes: the groups of the nearest tracked tensors
 * upstream of the broken input (where the analysis lost them), and of the nodes' own members.
 */
function groupsAt(analysis: ChannelAnalysis, problems: readonly ConsistencyProblem[], pruned: ReadonlySet<string>): string[] {
  const ids = new Set<string>();
  const nodes = new Set(problems.map((p) => p.node));
  const groupOf = (space: number) => analysis.groups[analysis.groupOfSpace[space]!]!.id;
  const seen = new Set<string>();
  const queue = problems.map((p) => p.tensor);
  while (queue.length && seen.size < 10_000) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const found = (analysis.layouts.get(name)?.segments ?? []).map((s) => groupOf(s.space)).filter((g) => pruned.has(g));
    if (found.length) {
      for (const g of found) ids.add(g);
      continue;
    }
    for (const i of analysis.ir.producer.get(name)?.input ?? []) if (i) queue.push(i);
  }
  for (const m of analysis.members) {
    if (!nodes.has(analysis.ir.nodeId.get(m.node) ?? m.node.name)) continue;
    for (const s of memberSegments(m)) if (pruned.has(groupOf(s.space))) ids.add(groupOf(s.space));
  }
  return [...ids];
}
