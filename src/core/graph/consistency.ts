// Does every layer agree with the tensors it reads? A table of per-op checks over inferred shapes:
// Conv/ConvTranspose/Gemm/MatMul weights against their input's channels, normalisation parameters
// against the channel count, broadcasting of element-wise operands, Concat's other axes. It is the
// last line of defence after surgery (a pruned model that fails it is never written) and a check
// on models as they come in (a Conv weight of the wrong width is refused, not "repaired").
// Only dims known on both sides are compared, so symbolic batch/height/width never raise a problem.
import type { NodeProto } from '../onnx/proto.js';
import { attrInt } from './attributes.js';
import { defaultOpset, type GraphIR } from './ir.js';
import { inferShapes, type Dim, type ShapeResult } from './shapes.js';

/** One disagreement, named by node. */
export interface ConsistencyProblem {
  /** Node id (GraphIR.nodeId). */
  node: string;
  opType: string;
  /** The data tensor whose channels disagree (the node's first input unless stated). */
  tensor: string;
  message: string;
}

type Report = (message: string, tensor?: string) => void;
interface CheckContext {
  node: NodeProto;
  shape(index: number): Dim[] | undefined;
  report: Report;
}
type Check = (c: CheckContext) => void;

const num = (d: Dim | undefined): d is number => typeof d === 'number';
const describe = (name: string | undefined) => `"${name ?? ''}"`;

function convCheck(transposed: boolean): Check {
  return ({ node, shape, report }) => {
    const x = shape(0);
    const w = shape(1);
    const group = attrInt(node, 'group', 1);
    if (!x || !w || w.length < 2) return;
    const expected = transposed ? w[0] : num(w[1]) ? w[1] * group : undefined;
    if (num(x[1]) && num(expected) && x[1] !== expected) {
      report(`input ${describe(node.input[0])} has ${x[1]} channels but weight ${describe(node.input[1])} ${JSON.stringify(w)} with group=${group} expects ${expected}`);
    }
    const outChannels = transposed ? (num(w[1]) ? w[1] * group : undefined) : w[0];
    const b = node.input[2] ? shape(2) : undefined;
    if (b && num(b[0]) && num(outChannels) && b[0] !== outChannels) report(`bias ${describe(node.input[2])} has ${b[0]} entries for ${outChannels} output channels`, node.input[2]);
    if (!transposed && num(w[0]) && w[0] % group !== 0) report(`weight ${describe(node.input[1])} has ${w[0]} output channels, not a multiple of group=${group}`, node.input[1]);
  };
}

const gemmCheck: Check = ({ node, shape, report }) => {
  const a = shape(0);
  const b = shape(1);
  if (!a || !b || a.length !== 2 || b.length !== 2) return;
  const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
  const transB = attrInt(node, 'transB', 0) === 1;
  const kb = transB ? b[1] : b[0];
  const n = transB ? b[0] : b[1];
  if (num(k) && num(kb) && k !== kb) report(`input ${describe(node.input[0])} has ${k} features but weight ${describe(node.input[1])} ${JSON.stringify(b)} expects ${kb}`);
  const c = node.input[2] ? shape(2) : undefined;
  const last = c?.[c.length - 1];
  if (num(last) && num(n) && last !== 1 && last !== n) report(`bias ${describe(node.input[2])} has ${last} entries for ${n} outputs`, node.input[2]);
};

const matMulCheck: Check = ({ node, shape, report }) => {
  const a = shape(0);
  const b = shape(1);
  if (!a?.length || !b?.length) return;
  const k = a[a.length - 1];
  const kb = b.length === 1 ? b[0] : b[b.length - 2];
  if (num(k) && num(kb) && k !== kb) report(`input ${describe(node.input[0])} has ${k} features on its last axis but ${describe(node.input[1])} ${JSON.stringify(b)} expects ${kb}`);
};

/** Normalisations whose inputs 1… are per-channel vectors of input 0's axis 1. */
const perChannelParams: Check = ({ node, shape, report }) => {
  const c = shape(0)?.[1];
  if (!num(c)) return;
  for (let i = 1; i < node.input.length; i++) {
    const p = node.input[i] ? shape(i) : undefined;
    if (p?.length === 1 && num(p[0]) && p[0] !== c) report(`parameter ${describe(node.input[i])} has ${p[0]} entries for ${c} channels`, node.input[i]);
  }
};

const layerNormCheck: Check = ({ node, shape, report }) => {
  const x = shape(0);
  if (!x) return;
  const axis = attrInt(node, 'axis', -1);
  const normalised = x.slice(axis < 0 ? axis + x.length : axis);
  for (const i of [1, 2]) {
    const p = node.input[i] ? shape(i) : undefined;
    if (!p) continue;
    const tail = normalised.slice(normalised.length - p.length);
    if (p.some((d, k) => num(d) && num(tail[k]) && d !== 1 && d !== tail[k])) report(`parameter ${describe(node.input[i])} ${JSON.stringify(p)} does not match the normalised axes ${JSON.stringify(normalised)}`, node.input[i]);
  }
};

/** NumPy broadcasting: right-aligned, each axis holds one size other than 1. */
const broadcastCheck: Check = ({ node, shape, report }) => {
  const shapes = node.input.map((n, i) => (n ? shape(i) : undefined));
  const rank = Math.max(0, ...shapes.map((s) => s?.length ?? 0));
  for (let k = 1; k <= rank; k++) {
    const sizes = new Map<number, string>();
    shapes.forEach((s, i) => {
      const d = s?.[s.length - k];
      if (num(d) && d !== 1 && !sizes.has(d)) sizes.set(d, node.input[i]!);
    });
    if (sizes.size > 1) {
      const list = [...sizes].map(([d, name]) => `${describe(name)} has ${d}`).join(', ');
      return report(`inputs do not broadcast on axis -${k}: ${list}`, [...sizes.values()][1]);
    }
  }
};

const concatCheck: Check = ({ node, shape, report }) => {
  const shapes = node.input.map((_, i) => shape(i));
  const first = shapes.find((s) => s);
  if (!first) return;
  const axis = attrInt(node, 'axis', 0);
  const a = axis < 0 ? axis + first.length : axis;
  for (const [i, s] of shapes.entries()) {
    if (!s) continue;
    if (s.length !== first.length) return report(`input ${describe(node.input[i])} has rank ${s.length}, others ${first.length}`, node.input[i]);
    const bad = s.findIndex((d, k) => k !== a && num(d) && num(first[k]) && d !== first[k]);
    if (bad >= 0) return report(`input ${describe(node.input[i])} has ${s[bad]} on axis ${bad} where the others have ${first[bad]}`, node.input[i]);
  }
};

const BROADCAST_OPS = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'PRelu', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Mod'];

/** opType → its agreement check (default domain). Adding an op is one line. */
export const CONSISTENCY_CHECKS: Readonly<Record<string, Check>> = {
  Conv: convCheck(false),
  ConvTranspose: convCheck(true),
  Gemm: gemmCheck,
  MatMul: matMulCheck,
  BatchNormalization: perChannelParams,
  InstanceNormalization: perChannelParams,
  LayerNormalization: layerNormCheck,
  Concat: concatCheck,
  ...Object.fromEntries(BROADCAST_OPS.map((op) => [op, broadcastCheck])),
};

/** Every disagreement between a layer and the tensors it reads (empty when the model is consistent). */
export function checkConsistency(ir: GraphIR, shapes: ShapeResult = inferShapes(ir)): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = [];
  // Before opset 7, broadcasting was opt-in with `axis`/`broadcast` attributes (PRelu's slope ran
  // along axis 1): NumPy rules do not apply, so operands are not compared there.
  const numpyBroadcast = defaultOpset(ir.model) >= 7;
  for (const node of ir.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    const check = CONSISTENCY_CHECKS[node.opType];
    if (!check || (check === broadcastCheck && !numpyBroadcast)) continue;
    const id = ir.nodeId.get(node) ?? node.name;
    check({
      node,
      shape: (i) => (node.input[i] ? shapes.tensors.get(node.input[i]!)?.shape : undefined),
      report: (message, tensor) => problems.push({ node: id, opType: node.opType, tensor: tensor ?? node.input[0] ?? '', message }),
    });
  }
  return problems;
}

/** One line per problem, for error messages. */
export function formatProblems(problems: readonly ConsistencyProblem[], max = 5): string {
  const lines = problems.slice(0, max).map((p) => `${p.opType} node "${p.node}": ${p.message}`);
  if (problems.length > max) lines.push(`… and ${problems.length - max} more`);
  return lines.join('; ');
}
