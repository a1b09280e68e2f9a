// Rank per layer for a target. Singular components are compared across layers by their normalised
// energy σᵢ² / Σⱼσⱼ² (the share of the layer's — or, data-aware, its output's — energy they carry;
// Deep Singular Pruning's "importance after reorganising into singular components"), so one global
// ranking removes the least important components of the whole model first; for a MACs target a
// component's importance is that energy per MAC it costs (see globalRanks).

export type RankTarget =
  /** rank = ⌈R · min(out, in)⌉ in every layer. */
  | { kind: 'rank-ratio'; ratio: number }
  /** smallest rank keeping this fraction of each layer's energy. */
  | { kind: 'energy'; energy: number }
  /** global ranking: drop the least important components (energy per MAC) until the model's MACs ≤ fraction × before. */
  | { kind: 'keep-macs'; fraction: number }
  /** the rank chosen for each layer by id (the studio's sliders); a layer not listed stays dense. */
  | { kind: 'ranks'; ranks: Readonly<Record<string, number>> };

export interface RankLayer {
  id: string;
  sigma: Float64Array;
  macs: number;
  macsPerRank: number;
  breakEven: number;
}

/** Chosen rank per layer (same order); 0 = leave the layer dense (its rank would not lower MACs). */
export function selectRanks(layers: readonly RankLayer[], target: RankTarget, modelMacs: number, onlyCheaper = true): number[] {
  const worthIt = (l: RankLayer, r: number) => (r <= l.breakEven || !onlyCheaper ? r : 0);
  switch (target.kind) {
    case 'rank-ratio':
      return layers.map((l) => worthIt(l, Math.max(1, Math.ceil(target.ratio * l.sigma.length))));
    case 'energy':
      return layers.map((l) => worthIt(l, energyRank(l.sigma, target.energy)));
    case 'keep-macs':
      return globalRanks(layers, target.fraction, modelMacs).map((r, i) => worthIt(layers[i]!, r));
    case 'ranks':
      return layers.map((l) => {
        const r = target.ranks[l.id];
        return r === undefined ? 0 : worthIt(l, Math.max(1, Math.min(l.sigma.length, Math.round(r))));
      });
  }
}

/** Smallest r with Σ_{i<r} σᵢ² ≥ energy · Σσ² (at least 1). */
export function energyRank(sigma: Float64Array, energy: number): number {
  let total = 0;
  for (const s of sigma) total += s * s;
  if (total === 0) return 1;
  let acc = 0;
  for (let r = 0; r < sigma.length; r++) {
    acc += sigma[r]! * sigma[r]!;
    if (acc >= energy * total * (1 - 1e-12)) return r + 1;
  }
  return sigma.length;
}

/** Per-sample MACs and weight count of a layer factorised at rank r (the dense layer's when r is 0 or not below break-even). */
export function rankCost(layer: { out: number; in: number; macs: number; macsPerRank: number; breakEven: number }, r: number): { macs: number; params: number } {
  if (r < 1 || r > layer.breakEven) return { macs: layer.macs, params: layer.out * layer.in };
  return { macs: r * layer.macsPerRank, params: r * (layer.out + layer.in) };
}

/** Fraction of Σσ² the first r components keep. */
export function energyKept(sigma: Float64Array, r: number): number {
  let total = 0;
  let kept = 0;
  sigma.forEach((s, i) => {
    total += s * s;
    if (i < r) kept += s * s;
  });
  return total === 0 ? 1 : kept / total;
}

function globalRanks(layers: readonly RankLayer[], fraction: number, modelMacs: number): number[] {
  const target = fraction * modelMacs;
  const rank = layers.map((l) => l.sigma.length);
  const cost = (i: number) => (rank[i]! <= layers[i]!.breakEven ? rank[i]! * layers[i]!.macsPerRank : layers[i]!.macs);
  let total = modelMacs;
  // Every component but each layer's first, least important first. Importance is its normalised
  // energy per share of the model's MACs it costs: the greedy knapsack order, so the MACs target is
  // met losing the least energy (on fmnist-vgg at 0.5 MACs: 94.0 % vs 84.3 % accuracy for
  // normalised energy alone, which strips cheap Gemm components that save almost no MACs).
  const components: { layer: number; score: number }[] = [];
  layers.forEach((l, li) => {
    let e = 0;
    for (const s of l.sigma) e += s * s;
    for (let i = 1; i < l.sigma.length; i++) components.push({ layer: li, score: e === 0 ? 0 : (l.sigma[i]! * l.sigma[i]!) / e / (l.macsPerRank / modelMacs) });
  });
  components.sort((a, b) => a.score - b.score);
  for (const c of components) {
    if (total <= target) break;
    const before = cost(c.layer);
    rank[c.layer]! -= 1;
    total += cost(c.layer) - before;
  }
  if (total > target * (1 + 1e-9)) {
    if (!layers.length) throw new Error(`--keep-macs ${fraction}: no layer of this model can be factorised (only float Conv, Gemm and MatMul weights are; quantized ones stay as they are), so low rank cannot reach a MACs target`);
    const floor = modelMacs - layers.reduce((s, l) => s + l.macs - Math.min(l.macs, l.macsPerRank), 0);
    throw new Error(`--keep-macs ${fraction}: even rank 1 in every factorisable layer leaves ${(floor / modelMacs).toFixed(3)} of the MACs; ask for at least that`);
  }
  return rank;
}
