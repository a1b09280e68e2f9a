// Sensitivity analysis on full-width torchvision ResNet-50 (random weights, 64 random images at
// 224×224, L2 scores, ratios 30/60/90 %): seconds per (group, ratio) step with the whole pruned
// model run per step (the old path, `fullModel`) against the pruned tail only (sensitivity-tail.ts),
// in the same run and on the same groups, and the projected time of the full analysis (every
// prunable group × 3 ratios) against the target.
//
// Measuring every group on two shared cores takes too long for a bench, so a subset of groups
// spread evenly over the network's depth is measured (SENSITIVITY_BENCH_GROUPS, default 6) and the
// full analysis is projected: the reference run plus (all groups) × (mean seconds per group of the
// subset). For the tail path this over-estimates slightly: with every group visited, each capture
// reruns only the layers since the previous group's frontier, while the subset's gaps are longer.
import { readFileSync } from 'node:fs';
import { analyseChannels } from '../src/core/graph/channels/analyse.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { decodeModel } from '../src/core/onnx/codec.js';
import { scoreGroups } from '../src/core/score/criteria.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { referenceOutputs } from '../src/core/score/metric.js';
import { seededRandom } from '../src/core/random.js';
import { analyseSensitivity, type SensitivityResult } from '../src/core/score/sensitivity.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { ensureTorchvisionExport, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'sensitivity';
const IMAGES = 64;
const BATCH = 16;
const RATIOS = [0.3, 0.6, 0.9];
/** Issue 14: full ResNet-50 sensitivity (all groups, 3 ratios, 64 images) within 10 minutes. */
const TARGET_S = 600;

export default async function sensitivityBench(ctx: BenchContext): Promise<BenchRow[]> {
  const file = ensureTorchvisionExport(ctx, 'resnet50');
  if (!file) return [];
  const model = decodeModel(readFileSync(file), file);
  const analysis = analyseChannels(buildGraph(model));
  const { scores } = await scoreGroups(model, 'l2', {}, analysis);
  const rand = seededRandom(14);
  const batches: ImageBatch[] = Array.from({ length: IMAGES / BATCH }, () => ({
    feeds: { input: { dims: [BATCH, 3, 224, 224], data: Float32Array.from({ length: BATCH * 3 * 224 * 224 }, () => rand() * 2 - 1) } },
  }));
  const position = new Map(analysis.ir.nodes.map((n, i) => [analysis.ir.nodeId.get(n)!, i]));
  const all = analysis.groups.filter((g) => g.prunable && scores.has(g.id)).map((g) => g.id).sort((a, b) => position.get(a)! - position.get(b)!);
  const count = Math.min(all.length, Number(process.env.SENSITIVITY_BENCH_GROUPS ?? 6));
  const subset = Array.from({ length: count }, (_, i) => all[Math.round(((i + 0.5) * all.length) / count - 0.5)]!);
  ctx.log(`resnet50: ${all.length} prunable groups; measuring ${count}: ${subset.join(', ')}`);

  let t0 = performance.now();
  await referenceOutputs(model, nodeModelRunner, batches);
  const referenceS = (performance.now() - t0) / 1000;
  const steps = count * RATIOS.length;
  const timed = async (fullModel: boolean): Promise<{ result: SensitivityResult; perStep: number }> => {
    t0 = performance.now();
    const result = await analyseSensitivity(model, {
      runner: nodeModelRunner, batches, scores, criterion: 'l2', ratios: RATIOS, groups: subset, fullModel,
      onProgress: (p) => ctx.log(`${fullModel ? 'whole model' : 'tail'} ${p.done}/${p.total} ${p.group} @ ${p.ratio}: ~${p.secondsLeft.toFixed(0)} s left`),
    }, analysis);
    // analyseSensitivity runs the unpruned model once first: not part of the steps.
    return { result, perStep: ((performance.now() - t0) / 1000 - referenceS) / steps };
  };
  const tail = await timed(false);
  const whole = await timed(true);
  let maxDiff = 0;
  for (const id of subset) {
    const [a, b] = [tail.result.curves[id]!, whole.result.curves[id]!];
    a.drop.forEach((d, i) => (maxDiff = Math.max(maxDiff, Math.abs(d - b.drop[i]!))));
    if (a.macs.some((m, i) => m !== b.macs[i]) || a.params.some((p, i) => p !== b.params[i])) throw new Error(`${id}: MACs or params differ between the paths`);
  }
  const project = (perStep: number): number => referenceS + perStep * all.length * RATIOS.length;
  const [oldS, newS] = [project(whole.perStep), project(tail.perStep)];
  ctx.log(`whole model ${whole.perStep.toFixed(2)} s/step, tail ${tail.perStep.toFixed(2)} s/step (${(whole.perStep / tail.perStep).toFixed(2)}×); projected ${(oldS / 60).toFixed(1)} → ${(newS / 60).toFixed(1)} min`);
  const c = `resnet50, ${IMAGES} images, ${count}/${all.length} groups × ${RATIOS.length} ratios`;
  return [
    { suite: SUITE, case: c, metric: 'unpruned reference run', value: referenceS, unit: 's' },
    { suite: SUITE, case: c, metric: 'per step, whole pruned model (old)', value: whole.perStep, unit: 's' },
    { suite: SUITE, case: c, metric: 'per step, pruned tail only (new)', value: tail.perStep, unit: 's' },
    { suite: SUITE, case: c, metric: 'speed-up per step', value: whole.perStep / tail.perStep, unit: '×' },
    { suite: SUITE, case: c, metric: 'largest drop difference, tail vs whole', value: maxDiff, unit: '', target: '≤ 1e-5', pass: maxDiff <= 1e-5 },
    { suite: SUITE, case: `resnet50, all ${all.length} groups × ${RATIOS.length} ratios (projected)`, metric: 'full analysis, whole model (old)', value: oldS / 60, unit: 'min', target: `≤ ${TARGET_S / 60} min`, pass: oldS <= TARGET_S },
    { suite: SUITE, case: `resnet50, all ${all.length} groups × ${RATIOS.length} ratios (projected)`, metric: 'full analysis, pruned tail (new)', value: newS / 60, unit: 'min', target: `≤ ${TARGET_S / 60} min`, pass: newS <= TARGET_S },
  ];
}
