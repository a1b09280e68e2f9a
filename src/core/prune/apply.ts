// Surgery: applies a plan to a model and returns a NEW ModelProto. The input model is never
// mutated: changed nodes, tensors and lists are copies; untouched tensors are shared.
import { AttributeType, Long, onnx, type ModelProto, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { makeInt64Tensor, tensorDims } from '../onnx/tensor.js';
import { buildGraph, constantThroughIdentity, defaultOpset, type GraphIR } from '../graph/ir.js';
import { setAttrInt, setAttrInts, attrInts } from '../graph/attributes.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { keptCount, keptPositions, type KeepBySpace } from '../graph/channels/segments.js';
import type { Member } from '../graph/channels/types.js';
import { assertNever } from '../assert.js';
import { cloneMessage } from '../onnx/clone.js';
import { keepBySpace, type PrunePlan } from './plan.js';
import { sliceGroupedInputs, sliceTensorAxes, withEntry, type AxisKeep } from './tensor-slice.js';
import { removeDeadValues } from './dead.js';
import { foldRemovedConstants } from './fold.js';
import { assertSurgeryConsistent } from './verify.js';

/** Metadata key under which the applied plan is stored in the pruned model. */
export const PLAN_METADATA_KEY = 'prune_studio.plan';

type TensorOp =
  | { kind: 'slice'; axis: number; keep: number[] }
  | { kind: 'entry'; position: number; value: number }
  | { kind: 'grouped'; local: number[][] };

interface Surgery {
  ir: GraphIR;
  keep: KeepBySpace;
  /** "nodeIndex:inputIndex" → ops on that constant input. */
  inputOps: Map<string, { node: NodeProto; inputIndex: number; ops: TensorOp[] }>;
  nodeEdits: Map<NodeProto, ((copy: NodeProto) => void)[]>;
  newInitializers: TensorProto[];
  names: Set<string>;
  consumeInput: boolean;
}

export interface ApplyOptions {
  /**
   * The caller gives the input model up (the CLI, which writes the result and then reads only the
   * original's dims, for metrics): each big initializer that is replaced, and whose payload owns
   * its buffer, is sliced inside that buffer and dropped from the input, so the old and new weights
   * never sit in memory side by side. The payloads must not be shared with anything the caller
   * still reads; a dropped tensor then reads as unloaded external data (readers throw).
   */
  consumeInput?: boolean;
}

/** Payloads below this size are always copied (consuming them saves nothing that matters). */
const CONSUME_MIN_BYTES = 1 << 16;
/** Where a consumed tensor of the input model says its values went. */
export const CONSUMED_LOCATION = 'consumed by applyPlan: its values are in the pruned model';

/** Applies `plan` and returns the pruned model (with the plan in metadata_props). */
export function applyPlan(model: ModelProto, plan: PrunePlan, analysis?: ChannelAnalysis, options: ApplyOptions = {}): ModelProto {
  // Without a caller's analysis, accept plans made with or without grouped-convolution pruning.
  let a = analysis ?? analyseChannels(buildGraph(model), undefined, { groupedConvolutions: true });
  keepBySpace(plan, a);
  if (plan.criterion === 'lossless') {
    // Lossless plans remove constant channels: their constants go into the consumers' biases first.
    const folded = foldRemovedConstants(model, a, plan);
    if (folded !== model) {
      model = folded;
      a = analyseChannels(buildGraph(folded), undefined, { groupedConvolutions: true });
    }
  }
  const ir = a.ir;
  const keep = keepBySpace(plan, a);
  const s: Surgery = { ir, keep, inputOps: new Map(), nodeEdits: new Map(), newInitializers: [], names: allNames(ir), consumeInput: options.consumeInput === true };
  for (const m of a.members) planMember(m, s);
  const graph = ir.graph;
  const replacedInits = new Map<string, TensorProto>();
  const replacedNodes = new Map<NodeProto, NodeProto>();
  rewriteConstants(s, replacedInits, replacedNodes);

  const nodes = graph.node.map((n) => {
    const base = replacedNodes.get(n) ?? n;
    const edits = s.nodeEdits.get(n);
    if (!edits) return base;
    const copy = cloneMessage(base, { input: [...base.input], attribute: base.attribute.map((at) => cloneMessage(at)) });
    for (const e of edits) e(copy);
    return copy;
  });
  const initializer = [...graph.initializer.map((t) => replacedInits.get(t.name) ?? t), ...s.newInitializers];
  // value_info of tensors that lost channels is stale: drop it (shape inference recomputes it).
  const stale = new Set<string>();
  for (const [name, layout] of a.layouts) if (keptPositions(layout.segments, keep)) stale.add(name);
  const input = graph.input.map((vi) => {
    const t = replacedInits.get(vi.name);
    if (!t || !vi.type?.tensorType) return vi;
    const shape = { dim: tensorDims(t).map((d) => ({ dimValue: Long.fromNumber(d), dimParam: '', denotation: '' })) };
    return cloneMessage(vi, { type: cloneMessage(vi.type, { tensorType: cloneMessage(vi.type.tensorType, { shape } as never) }) });
  });
  const newGraph = cloneMessage(graph, {
    node: nodes,
    initializer,
    input,
    valueInfo: graph.valueInfo.filter((vi) => !stale.has(vi.name)),
  });
  removeDeadValues(newGraph);
  const metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== PLAN_METADATA_KEY),
    { key: PLAN_METADATA_KEY, value: JSON.stringify(plan) } as ModelProto['metadataProps'][number],
  ];
  const pruned = cloneMessage(model, { graph: newGraph, metadataProps });
  assertSurgeryConsistent(pruned, a, plan);
  return pruned;
}

function allNames(ir: GraphIR): Set<string> {
  const names = new Set<string>(ir.initializers.keys());
  for (const n of ir.nodes) for (const o of n.output) names.add(o);
  for (const i of ir.graph.input) names.add(i.name);
  return names;
}

function fresh(s: Surgery, base: string): string {
  let name = `${base}_pruned`;
  for (let i = 1; s.names.has(name); i++) name = `${base}_pruned${i}`;
  s.names.add(name);
  return name;
}

function addInputOp(s: Surgery, node: NodeProto, inputIndex: number, op: TensorOp): void {
  const key = `${s.ir.nodes.indexOf(node)}:${inputIndex}`;
  let entry = s.inputOps.get(key);
  if (!entry) s.inputOps.set(key, (entry = { node, inputIndex, ops: [] }));
  entry.ops.push(op);
}

function editNode(s: Surgery, node: NodeProto, edit: (copy: NodeProto) => void): void {
  let list = s.nodeEdits.get(node);
  if (!list) s.nodeEdits.set(node, (list = []));
  list.push(edit);
}

function planMember(m: Member, s: Surgery): void {
  const { keep } = s;
  switch (m.kind) {
    case 'slice': {
      const positions = keptPositions(m.segments, keep, m.block, m.unit);
      if (positions) addInputOp(s, m.node, m.inputIndex, { kind: 'slice', axis: m.axis, keep: positions });
      return;
    }
    case 'group-attr': {
      if (keptPositions(m.segments, keep)) editNode(s, m.node, (n) => setAttrInt(n, 'group', keptCount(m.segments, keep)));
      return;
    }
    case 'shape-entry': {
      if (keptPositions(m.segments, keep)) addInputOp(s, m.node, m.inputIndex, { kind: 'entry', position: m.position, value: (keptCount(m.segments, keep) * m.block) / (m.unit ?? 1) });
      return;
    }
    case 'computed-entry': {
      if (!keptPositions(m.segments, keep) && !(m.alsoWhen && keptPositions(m.alsoWhen, keep))) return;
      // The Concat piece becomes a constant: its fixed value, the kept count, or -1 for Reshape to infer.
      const name = fresh(s, `${m.node.output[0]}_entry${m.inputIndex}`);
      s.newInitializers.push(makeInt64Tensor(name, m.dims ?? [1], [m.fixed ?? (m.inferred ? -1 : (keptCount(m.segments, keep) * m.block) / m.unit)]));
      editNode(s, m.node, (n) => (n.input[m.inputIndex] = name));
      return;
    }
    case 'slice-range': {
      if (!keptPositions([...m.before, ...m.inside], keep)) return;
      const start = keptCount(m.before, keep) * m.block;
      const end = start + keptCount(m.inside, keep) * m.block;
      if (defaultOpset(s.ir.model) < 10) {
        editNode(s, m.node, (n) => {
          setAttrInts(n, 'starts', attrInts(n, 'starts').map((v, i) => (i === m.axesIndex ? start : v)));
          setAttrInts(n, 'ends', attrInts(n, 'ends').map((v, i) => (i === m.axesIndex ? end : v)));
        });
      } else {
        addInputOp(s, m.node, 1, { kind: 'entry', position: m.axesIndex, value: start });
        addInputOp(s, m.node, 2, { kind: 'entry', position: m.axesIndex, value: end });
      }
      return;
    }
    case 'split':
      return planSplit(m, s);
    case 'grouped-in': {
      const kept = keptPositions(m.segments, keep);
      if (!kept) return;
      const size = keptCount(m.segments, new Map()) / m.blocks;
      const local = Array.from({ length: m.blocks }, (_, b) => kept.filter((p) => p >= b * size && p < (b + 1) * size).map((p) => p - b * size));
      addInputOp(s, m.node, m.inputIndex, { kind: 'grouped', local });
      return;
    }
    default:
      return assertNever(m, 'member kind');
  }
}

function planSplit(m: Extract<Member, { kind: 'split' }>, s: Surgery): void {
  if (!keptPositions(m.outputs.flat(), s.keep)) return;
  const sizes = m.outputs.map((o) => keptCount(o, s.keep) * m.block);
  if (defaultOpset(s.ir.model) < 13) return editNode(s, m.node, (n) => setAttrInts(n, 'split', sizes));
  if (m.node.input[1]) {
    sizes.forEach((v, i) => addInputOp(s, m.node, 1, { kind: 'entry', position: i, value: v }));
    return;
  }
  // Equal split (no sizes given) becomes an explicit one; opset 18's num_outputs must then go.
  const name = fresh(s, `${m.node.output[0]}_split`);
  s.newInitializers.push(makeInt64Tensor(name, [sizes.length], sizes));
  editNode(s, m.node, (n) => {
    n.input[1] = name;
    n.attribute = n.attribute.filter((at) => at.name !== 'num_outputs');
  });
}

/** `t` after `ops`; with `inPlace`, its slices are made inside t's own payload (see ApplyOptions). */
function applyOps(t: TensorProto, ops: TensorOp[], name: string, inPlace = false): TensorProto {
  let out = t;
  // Grouped input slicing needs every output row (it picks per row's block), so it goes first; then
  // all axis slices in one pass (no intermediate tensor per axis); then shape entries.
  for (const op of ops) if (op.kind === 'grouped') out = sliceGroupedInputs(out, op.local, name);
  const slices = ops.filter((op): op is Extract<TensorOp, { kind: 'slice' }> => op.kind === 'slice').sort((a, b) => a.axis - b.axis);
  const distinct = slices.every((op, i) => i === 0 || op.axis !== slices[i - 1]!.axis);
  if (distinct && slices.length) out = sliceTensorAxes(out, slices as AxisKeep[], name, inPlace && out === t);
  else for (const op of slices) out = sliceTensorAxes(out, [op], name);
  for (const op of ops) {
    switch (op.kind) {
      case 'slice': case 'grouped': break;
      case 'entry': out = withEntry(out, op.position, op.value, name); break;
      default: assertNever(op, 'tensor op');
    }
  }
  return out;
}

/** True when `t`'s payload is a whole buffer of its own, worth slicing in place. */
function ownsPayload(t: TensorProto): boolean {
  const raw = t.rawData;
  return !!raw && raw.length >= CONSUME_MIN_BYTES && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
}

/** Marks a consumed input tensor as unloaded, so any later read of it fails loudly instead of seeing stale bytes. */
function markConsumed(t: TensorProto): void {
  t.rawData = new Uint8Array();
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: CONSUMED_LOCATION }) as unknown as TensorProto['externalData'][number]];
}

function rewriteConstants(s: Surgery, replacedInits: Map<string, TensorProto>, replacedNodes: Map<NodeProto, NodeProto>): void {
  const bySource = new Map<string, { node: NodeProto; inputIndex: number; ops: TensorOp[]; sig: string }[]>();
  for (const entry of s.inputOps.values()) {
    const inputName = entry.node.input[entry.inputIndex]!;
    const src = constantThroughIdentity(s.ir, inputName);
    if (!src) throw new Error(`cannot rewrite input "${inputName}" of node ${s.ir.nodeId.get(entry.node)}: it is not a constant`);
    const key = src.name === inputName ? src.name : `\u0000${inputName}`; // forwarded inputs are never rewritten in place
    let list = bySource.get(key);
    if (!list) bySource.set(key, (list = []));
    list.push({ ...entry, sig: JSON.stringify(entry.ops) });
  }
  for (const [key, list] of bySource) {
    const inputName = list[0]!.node.input[list[0]!.inputIndex]!;
    const src = constantThroughIdentity(s.ir, inputName)!;
    const uses = s.ir.consumers.get(inputName) ?? [];
    const inPlace = !key.startsWith('\u0000') && !s.ir.outputs.has(inputName) && list.every((e) => e.sig === list[0]!.sig) &&
      uses.every((u) => list.some((e) => e.node === u.node && e.inputIndex === u.inputIndex));
    if (inPlace) {
      const producer = s.ir.producer.get(src.name);
      const consume = s.consumeInput && producer?.opType !== 'Constant' && ownsPayload(src.tensor);
      const tensor = applyOps(src.tensor, list[0]!.ops, src.name, consume);
      if (consume && tensor.rawData.buffer === src.tensor.rawData.buffer) markConsumed(src.tensor);
      if (producer?.opType === 'Constant') replacedNodes.set(producer, constantNode(producer, tensor));
      else replacedInits.set(src.name, tensor);
      continue;
    }
    const bySig = new Map<string, string>();
    for (const e of list) {
      let name = bySig.get(e.sig);
      if (!name) {
        name = fresh(s, src.name);
        bySig.set(e.sig, name);
        s.newInitializers.push(applyOps(src.tensor, e.ops, name));
      }
      const newName = name;
      editNode(s, e.node, (n) => (n.input[e.inputIndex] = newName));
    }
  }
}

/** A Constant node holding `tensor` in its `value` attribute. */
function constantNode(node: NodeProto, tensor: TensorProto): NodeProto {
  const attr = cloneMessage(node.attribute[0]!, { name: 'value', type: AttributeType.TENSOR, t: tensor } as never);
  return cloneMessage(node, { attribute: [attr] });
}
