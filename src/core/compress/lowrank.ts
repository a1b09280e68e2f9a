// Low-rank factorisation (Deep Singular Pruning style): each chosen layer W (out×in) becomes two
// layers of rank r, W ≈ second·first, only where r is below the layer's break-even rank (fewer
// MACs). Gemm → Gemm(x, first) → Gemm(·, second, bias); MatMul → MatMul → MatMul; Conv k×k →
// Conv k×k to r channels (same strides, pads, dilations) → Conv 1×1 with the bias. The second layer
// keeps the original node's name and output, so downstream channel groups keep their ids; the rank
// tensor between them is a new, ordinary channel group (prunable by `prune` like any other).
// Returns a NEW model; the input is not modified.
import { checkConsistency, formatProblems } from '../graph/consistency.js';
import { buildGraph, type GraphIR } from '../graph/ir.js';
import type { ShapeOptions } from '../graph/shapes.js';
import { computeMetrics } from '../metrics/model-metrics.js';
import { inferShapes } from '../graph/shapes.js';
import { cloneMessage } from '../onnx/clone.js';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { makeTensor } from '../onnx/tensor.js';
import { removeDeadValues } from '../prune/dead.js';
import { makeNode } from '../score/graph-builder.js';
import { layerSpectrum } from './lowrank-factor.js';
import { lowRankCandidates, transpose, type FactorisableOp, type LowRankCandidate } from './lowrank-layers.js';
import { energyKept, selectRanks, type RankTarget } from './lowrank-rank.js';

/** Metadata key under which the factorised layers are recorded in the model. */
export const LOWRANK_METADATA_KEY = 'prune_studio.lowrank';

export interface LowRankOptions {
  target: RankTarget;
  /** Candidate id → covariance (in×in) of its input rows on calibration images: data-aware ranks and factors. */
  covariances?: ReadonlyMap<string, Float64Array>;
  shapeOptions?: ShapeOptions;
  /** Factorise only where the rank lowers MACs (default true; false is for tests at full rank). */
  onlyCheaper?: boolean;
}

export interface FactorisedLayer {
  /** The original node (now the second factor, same name and output). */
  node: string;
  op: FactorisableOp;
  out: number;
  in: number;
  rank: number;
  fullRank: number;
  breakEven: number;
  /** Share of Σσ² kept (of W·L when data-aware). */
  energyKept: number;
  dataAware: boolean;
  macsBefore: number;
  macsAfter: number;
  /** The new first-factor node and the rank tensor it writes (a new channel group). */
  firstNode: string;
  rankTensor: string;
  /** Initializer names of the two factors (the second's bias stays where it was). */
  firstWeight: string;
  secondWeight: string;
}

export interface LowRankResult {
  model: ModelProto;
  layers: FactorisedLayer[];
  /** Layers of a factorisable op type that stay dense, with why. */
  dense: { node: string; reason: string }[];
}

/** Ranks every candidate layer for `options.target` and rewrites the ones that get cheaper. */
export function factoriseModel(model: ModelProto, options: LowRankOptions): LowRankResult {
  const ir = buildGraph(model);
  const { candidates, skipped } = lowRankCandidates(ir, options.shapeOptions);
  const spectra = candidates.map((c) => layerSpectrum(c.matrix, c.out, c.in, options.covariances?.get(c.id)));
  const modelMacs = computeMetrics(ir, inferShapes(ir, options.shapeOptions)).macs;
  const ranks = selectRanks(candidates.map((c, i) => ({ id: c.id, sigma: spectra[i]!.sigma, macs: c.macs, macsPerRank: c.macsPerRank, breakEven: c.breakEven })), options.target, modelMacs, options.onlyCheaper ?? true);
  const dense = [...skipped];
  const chosen: { candidate: LowRankCandidate; rank: number; first: Float32Array; second: Float32Array; info: Omit<FactorisedLayer, 'firstNode' | 'rankTensor' | 'firstWeight' | 'secondWeight'> }[] = [];
  candidates.forEach((c, i) => {
    const rank = ranks[i]!;
    const sigma = spectra[i]!.sigma;
    if (rank === 0) {
      dense.push({ node: c.id, reason: `the chosen rank is above its break-even rank ${c.breakEven} (would not lower MACs)` });
      return;
    }
    const { first, second } = spectra[i]!.factors(rank);
    chosen.push({
      candidate: c, rank, first, second,
      info: { node: c.id, op: c.op, out: c.out, in: c.in, rank, fullRank: sigma.length, breakEven: c.breakEven, energyKept: energyKept(sigma, rank), dataAware: options.covariances?.has(c.id) ?? false, macsBefore: c.macs, macsAfter: rank * c.macsPerRank },
    });
  });
  return { model: rewrite(model, ir, chosen), layers: layersOf(chosen), dense };
}

/** Records of the last rewrite (set by rewrite() on each chosen entry). */
function layersOf(chosen: { info: object }[]): FactorisedLayer[] {
  return chosen.map((c) => c.info as FactorisedLayer);
}

function rewrite(model: ModelProto, ir: GraphIR, chosen: { candidate: LowRankCandidate; rank: number; first: Float32Array; second: Float32Array; info: object }[]): ModelProto {
  if (!chosen.length) return model;
  const names = new Set<string>([...ir.initializers.keys(), ...ir.graph.input.map((i) => i.name)]);
  for (const n of ir.nodes) {
    n.output.forEach((o) => names.add(o));
    if (n.name) names.add(n.name);
  }
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}${i}`;
    names.add(name);
    return name;
  };
  const replacement = new Map<NodeProto, NodeProto[]>();
  const initializers: TensorProto[] = [];
  for (const c of chosen) {
    const { candidate: l, rank: r } = c;
    const base = l.node.name || l.node.output[0]!;
    const firstName = fresh(`${base}_lowrank`);
    const rankTensor = fresh(`${l.node.output[0]}_rank`);
    const aName = fresh(`${l.node.input[1]}_lowrank_a`);
    const bName = fresh(`${l.node.input[1]}_lowrank_b`);
    const x = l.node.input[0]!;
    let first: NodeProto;
    let second: NodeProto;
    switch (l.op) {
      case 'Gemm':
        initializers.push(makeTensor(aName, [r, l.in], TensorDataType.FLOAT, c.first), makeTensor(bName, [l.out, r], TensorDataType.FLOAT, c.second));
        first = makeNode('Gemm', [x, aName], [rankTensor], firstName, { transB: 1 });
        second = makeNode('Gemm', [rankTensor, bName, ...(l.node.input[2] ? [l.node.input[2]] : [])], [...l.node.output], l.node.name, { transB: 1 });
        break;
      case 'MatMul':
        initializers.push(makeTensor(aName, [l.in, r], TensorDataType.FLOAT, transpose(c.first, r, l.in)), makeTensor(bName, [r, l.out], TensorDataType.FLOAT, transpose(c.second, l.out, r)));
        first = makeNode('MatMul', [x, aName], [rankTensor], firstName);
        second = makeNode('MatMul', [rankTensor, bName], [...l.node.output], l.node.name);
        break;
      case 'Conv': {
        const cin = l.in / l.kernel.reduce((a, b) => a * b, 1);
        initializers.push(makeTensor(aName, [r, cin, ...l.kernel], TensorDataType.FLOAT, c.first), makeTensor(bName, [l.out, r, ...l.kernel.map(() => 1)], TensorDataType.FLOAT, c.second));
        first = cloneMessage(l.node, { name: firstName, input: [x, aName], output: [rankTensor], attribute: l.node.attribute.map((a) => cloneMessage(a)) });
        second = makeNode('Conv', [rankTensor, bName, ...(l.node.input[2] ? [l.node.input[2]] : [])], [...l.node.output], l.node.name, { kernel_shape: l.kernel.map(() => 1) });
        break;
      }
    }
    replacement.set(l.node, [first, second]);
    Object.assign(c.info, { firstNode: firstName, rankTensor, firstWeight: aName, secondWeight: bName });
  }
  const graph = cloneMessage(ir.graph, {
    node: ir.graph.node.flatMap((n) => replacement.get(n) ?? [n]),
    initializer: [...ir.graph.initializer, ...initializers],
    input: [...ir.graph.input],
    // value_info of the rewritten outputs stays valid (same tensor, same shape).
    valueInfo: [...ir.graph.valueInfo],
  });
  removeDeadValues(graph);
  const previous = model.metadataProps.find((p) => p.key === LOWRANK_METADATA_KEY);
  const earlier = previous ? (JSON.parse(previous.value) as { layers: unknown[] }).layers : [];
  const record = { format: 'prune-studio-lowrank', version: 1, layers: [...earlier, ...chosen.map((c) => c.info)] };
  const metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== LOWRANK_METADATA_KEY),
    { key: LOWRANK_METADATA_KEY, value: JSON.stringify(record) } as ModelProto['metadataProps'][number],
  ];
  const result = cloneMessage(model, { graph, metadataProps });
  assertFactorisedConsistent(result, ir);
  return result;
}

/** Every layer of the factorised model must agree with its inputs (the check surgery uses). */
function assertFactorisedConsistent(result: ModelProto, before: GraphIR): void {
  const key = (p: { node: string; tensor: string }) => `${p.node}\u0000${p.tensor}`;
  const old = new Set(checkConsistency(before).map(key));
  const added = checkConsistency(buildGraph(result)).filter((p) => !old.has(key(p)));
  if (added.length) throw new Error(`factorisation would write a broken model: ${formatProblems(added)}. Nothing was written; please report the model.`);
}
