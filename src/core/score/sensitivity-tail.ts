// Sensitivity runs only the part of a pruned model that pruning changed (PAGCP-style): every
// activation computed before the pruned group's first edited layer is the same as in the unpruned
// model, so the unpruned model is run once (per group) exposing the tensors where the changed part
// starts — the frontier — and each (group, ratio) runs only the changed nodes and what depends on
// them, fed from those cached tensors. Graph outputs the changed part does not reach keep the
// unpruned model's values.
//
// applyPlan shares every node and initializer it does not edit with the unpruned model (same
// object), so "changed" is decided by identity: a node is changed when it is not one of the
// unpruned model's node objects, or reads an initializer that is not the unpruned one (or a changed
// tensor). Identity can only over-report changes (a bigger tail), never miss one.
import type { ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { AttributeType, TensorDataType } from '../onnx/proto.js';
import { cloneMessage } from '../onnx/clone.js';
import type { ShapeResult } from '../graph/shapes.js';
import { makeValueInfo } from './graph-builder.js';
import type { ImageBatch } from './images.js';
import { checkAborted, withModel, type AbortSignalLike, type Float32Tensor, type ModelRunner } from './runner.js';

/** What is compared against: the unpruned model's nodes, initializers, inputs and tensor types. */
export interface TailBase {
  model: ModelProto;
  nodes: ReadonlySet<NodeProto>;
  initializers: ReadonlyMap<string, TensorProto>;
  inputs: ReadonlySet<string>;
  outputs: readonly string[];
  types: ShapeResult['tensors'] | undefined;
  /**
   * Undefined when tails cannot be cut at all: a node with a sub-graph (If, Loop, Scan) may read
   * tensors of the outer graph that are not among its inputs, so neither "changed" nor the frontier
   * can be read off the node inputs.
   */
  usable: boolean;
}

export function tailBase(model: ModelProto, shapes?: ShapeResult): TailBase {
  const graph = model.graph!;
  const subGraphs = graph.node.some((n) => n.attribute.some((a) => a.type === AttributeType.GRAPH || a.type === AttributeType.GRAPHS || a.g || a.graphs.length));
  return {
    model,
    nodes: new Set(graph.node),
    initializers: new Map(graph.initializer.map((t) => [t.name, t])),
    inputs: new Set(graph.input.map((i) => i.name)),
    outputs: graph.output.map((o) => o.name),
    types: shapes?.tensors,
    usable: !subGraphs,
  };
}

/** The changed part of a pruned model, as a model of its own. */
export interface PrunedTail {
  model: ModelProto;
  /** Its inputs: unchanged activations (or graph inputs) it reads, the frontier. */
  inputs: string[];
  /** Graph outputs it computes (the others keep the unpruned values). */
  outputs: string[];
  /** Nodes it runs, of the pruned model's total. */
  nodes: number;
}

/**
 * The nodes of `pruned` that differ from the unpruned model, and everything downstream of them;
 * 'unchanged' when nothing differs. Undefined when no tail can be cut — the caller runs the whole
 * model instead: the base has sub-graphs, the outputs differ, a frontier tensor is not float (the
 * cache and the runner hold float32 tensors only), or a tensor it reads has no known producer.
 */
export function prunedTail(base: TailBase, pruned: ModelProto): PrunedTail | 'unchanged' | undefined {
  if (!base.usable) return undefined;
  const graph = pruned.graph!;
  if (graph.output.length !== base.outputs.length || graph.output.some((o, i) => o.name !== base.outputs[i])) return undefined;
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) producer.set(o, n);
  const changed = new Set<NodeProto>();
  const dirty = new Set<string>();
  for (const n of graph.node) {
    if (base.nodes.has(n) && !n.input.some((i) => i && (dirty.has(i) || inits.get(i) !== base.initializers.get(i)))) continue;
    changed.add(n);
    for (const o of n.output) if (o) dirty.add(o);
  }
  if (!changed.size) return 'unchanged';
  const copied = new Set<NodeProto>();
  const frontier: string[] = [];
  for (const n of changed) {
    for (const i of n.input) {
      if (!i || dirty.has(i) || inits.has(i) || frontier.includes(i)) continue;
      const p = producer.get(i);
      // Unchanged nodes that read only constants (Constant, weight DequantizeLinear) are copied in.
      if (p && p.input.every((x) => !x || inits.has(x))) {
        copied.add(p);
        continue;
      }
      if (!p && !base.inputs.has(i)) return undefined;
      if (p && (base.types?.get(i)?.dataType ?? TensorDataType.FLOAT) !== TensorDataType.FLOAT) return undefined;
      frontier.push(i);
    }
  }
  const outputs = graph.output.filter((o) => dirty.has(o.name));
  const nodes = graph.node.filter((n) => changed.has(n) || copied.has(n));
  const used = new Set(nodes.flatMap((n) => n.input));
  const input: ValueInfoProto[] = frontier.map((name) => graph.input.find((vi) => vi.name === name) ?? makeValueInfo(name));
  const model = cloneMessage(pruned, {
    graph: cloneMessage(graph, { node: nodes, initializer: graph.initializer.filter((t) => used.has(t.name)), input, output: outputs, valueInfo: [] }),
  });
  return { model, inputs: frontier, outputs: outputs.map((o) => o.name), nodes: changed.size };
}

/**
 * The part of the unpruned model that computes `wanted` from tensors already at hand (`held`
 * activations and the graph inputs): their producers, back to a held tensor, a graph input or a
 * constant. With groups visited in graph order the next group's frontier is usually a little after
 * the previous one, so capturing it reruns only the layers in between, not the whole prefix.
 */
export function prefixModel(base: TailBase, wanted: readonly string[], held: ReadonlySet<string>): { model: ModelProto; inputs: string[] } {
  const graph = base.model.graph!;
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) producer.set(o, n);
  const needed = new Set<NodeProto>();
  const inputs = new Set<string>();
  const stack = [...wanted];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (base.initializers.has(t)) continue;
    if (held.has(t) || (base.inputs.has(t) && !producer.has(t))) {
      inputs.add(t);
      continue;
    }
    const p = producer.get(t);
    if (!p || needed.has(p)) continue;
    needed.add(p);
    for (const i of p.input) if (i) stack.push(i);
  }
  const nodes = graph.node.filter((n) => needed.has(n));
  const used = new Set(nodes.flatMap((n) => n.input));
  const input = [...inputs].map((name) => graph.input.find((vi) => vi.name === name) ?? makeValueInfo(name));
  const model = cloneMessage(base.model, {
    graph: cloneMessage(graph, { node: nodes, initializer: graph.initializer.filter((t) => used.has(t.name)), input, output: wanted.map((name) => makeValueInfo(name)), valueInfo: [] }),
  });
  return { model, inputs: [...inputs] };
}

/**
 * Frontier tensors of the unpruned model on every batch. Only what the current group needs is
 * kept: after new tensors are captured (from the held ones where possible, see prefixModel), those
 * no tail since the last `startGroup` asked for are dropped, so memory is bounded by two groups'
 * frontiers (times the images), not by the whole network.
 */
export class FrontierCache {
  private readonly tensors = new Map<string, Float32Tensor[]>();
  private wanted = new Set<string>();
  /** Unpruned-model (part) runs made to capture tensors, and the nodes they ran (for tests and benches). */
  captures = 0;
  capturedNodes = 0;

  constructor(
    private readonly base: TailBase,
    private readonly runner: ModelRunner,
    private readonly batches: readonly ImageBatch[],
    private readonly signal?: AbortSignalLike,
  ) {}

  startGroup(): void {
    this.wanted = new Set();
  }

  /** The feeds of `tail` for every batch, capturing frontier tensors not held yet. */
  async feeds(tail: PrunedTail): Promise<Record<string, Float32Tensor>[]> {
    const activations = tail.inputs.filter((n) => !this.base.inputs.has(n));
    for (const n of activations) this.wanted.add(n);
    const missing = activations.filter((n) => !this.tensors.has(n));
    if (missing.length) {
      const prefix = prefixModel(this.base, missing, new Set(this.tensors.keys()));
      const captured = missing.map((): Float32Tensor[] => []);
      await withModel(this.runner, prefix.model, async (m) => {
        for (const [bi, b] of this.batches.entries()) {
          checkAborted(this.signal);
          const feeds = Object.fromEntries(prefix.inputs.map((n) => [n, b.feeds[n] ?? this.tensors.get(n)![bi]!]));
          const r = await m.run(feeds, { signal: this.signal });
          missing.forEach((n, i) => captured[i]!.push(r[n]!));
        }
      });
      this.captures++;
      this.capturedNodes += prefix.model.graph!.node.length;
      for (const n of this.tensors.keys()) if (!this.wanted.has(n)) this.tensors.delete(n);
      missing.forEach((n, i) => this.tensors.set(n, captured[i]!));
    }
    return this.batches.map((b, bi) => Object.fromEntries(tail.inputs.map((n) => [n, b.feeds[n] ?? this.tensors.get(n)![bi]!])));
  }

  /** Names currently held (for tests). */
  held(): string[] {
    return [...this.tensors.keys()];
  }
}

/** Runs `tail` on every batch; each batch's outputs are the unpruned ones with the tail's replacing them. */
export async function runTail(tail: PrunedTail, cache: FrontierCache, runner: ModelRunner, reference: readonly Record<string, Float32Tensor>[], signal?: AbortSignalLike): Promise<Record<string, Float32Tensor>[]> {
  const feeds = await cache.feeds(tail);
  return withModel(runner, tail.model, async (m) => {
    const out: Record<string, Float32Tensor>[] = [];
    for (const [bi, f] of feeds.entries()) {
      checkAborted(signal);
      const r = await m.run(f, { signal });
      out.push({ ...reference[bi], ...Object.fromEntries(tail.outputs.map((n) => [n, r[n]!])) });
    }
    return out;
  });
}
