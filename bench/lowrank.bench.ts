// Low-rank factorisation (docs/compress.md), issue 12's checks:
// - accuracy: the VGG-style demo model and its held-out variant (bench/cache/heldout, from
//   `tools/train-demo/chain.sh heldout-vgg`) factorised to ≤ 50 % of their MACs (`--keep-macs 0.5`,
//   global ranking of normalised singular values): plain SVD, data-aware (whitened by the input
//   covariance of 1,024 unlabelled training images, the CLI's default), data-aware + least-squares refit of the second
//   factors; full 10,000-image test set beside the unpruned model and PyTorch's truncated SVD
//   (torch.linalg.svd) at the same ranks (tools/torch-anchor/lowrank.py). Bar: within 2 points.
// - speed: SVD of every factorisable layer and the whole factorisation of ResNet-50 and ViT-B/16
//   (torchvision exports, 224²); ViT-B/16 at `--keep-macs 0.7` must land at ≤ 0.72× MACs and run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { factoriseModel } from '../src/core/compress/lowrank.js';
import { inputCovariances, refitSecondFactors } from '../src/core/compress/lowrank-data.js';
import { layerSpectrum } from '../src/core/compress/lowrank-factor.js';
import { lowRankCandidates } from '../src/core/compress/lowrank-layers.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { inferShapes } from '../src/core/graph/shapes.js';
import { computeMetrics } from '../src/core/metrics/model-metrics.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { fashionMnistBatches, fashionMnistPath, fullTestSet, unlabelled } from './fashion-mnist.js';
import { demoAndHeldOutModels, testAccuracy, torchAnchor } from './demo-models.js';
import { ensureTorchvisionExport, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'lowrank';
const KEEP = 0.5;
const macsOf = (m: ModelProto) => computeMetrics(buildGraph(m)).macs;

async function accuracyRows(ctx: BenchContext, rows: BenchRow[]): Promise<void> {
  const test = fullTestSet(ctx.log);
  if (!test) return;
  const calibration = unlabelled(fashionMnistBatches('train', 0, 1024, 64));
  const calib = { runner: nodeModelRunner, batches: calibration };
  for (const { file, name } of demoAndHeldOutModels(ctx, (process.env.BENCH_LOWRANK_MODELS ?? 'fmnist-vgg.onnx,fmnist-vgg-s1.onnx').split(','))) {
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: name, metric, value, unit, ...(target ? { target, pass } : {}) });
    const model = decodeModel(readFileSync(file), file);
    const base = (await testAccuracy(model, test)) * 100;
    const baseMacs = macsOf(model);
    row('accuracy unpruned', base, '%');
    const target = { kind: 'keep-macs', fraction: KEEP } as const;
    const plain = factoriseModel(model, { target });
    const { covariances } = await inputCovariances(model, calib);
    const aware = factoriseModel(model, { target, covariances });
    const refit = (await refitSecondFactors(model, aware.model, aware.layers, calib)).model;
    for (const [label, m, bar] of [['plain SVD', plain.model, false], ['data-aware', aware.model, false], ['data-aware+lsq', refit, true]] as const) {
      const macs = macsOf(m) / baseMacs;
      const acc = (await testAccuracy(m, test)) * 100;
      row(`${label} MACs kept`, macs * 100, '%', `≤ ${KEEP * 100} %`, macs <= KEEP + 1e-9);
      row(`${label} accuracy drop`, base - acc, 'pts', bar ? '≤ 2' : undefined, base - acc <= 2);
      ctx.log(`${name} ${label}: ${acc.toFixed(2)} % (unpruned ${base.toFixed(2)}), MACs ${(macs * 100).toFixed(1)} %, ranks ${(label === 'plain SVD' ? plain : aware).layers.map((l) => `${l.rank}/${l.fullRank}`).join(' ')}`);
    }
    const ranksFile = join(ctx.cacheDir, `lowrank-ranks-${name.split(' ')[0]}.json`);
    writeFileSync(ranksFile, JSON.stringify(Object.fromEntries(plain.layers.map((l) => [l.node, l.rank]))));
    const torch = torchAnchor<{ testAccuracy: number }>(ctx, 'lowrank.py', ['--model', file, '--ranks', ranksFile, '--test', fashionMnistPath('t10k', 'images'), '--labels', fashionMnistPath('t10k', 'labels')]);
    if (torch) row('pytorch truncated SVD (same ranks) accuracy drop', base - torch.testAccuracy * 100, 'pts');
  }
}

async function speedRows(ctx: BenchContext, rows: BenchRow[]): Promise<void> {
  for (const [arch, opset] of [['resnet50', 13], ['vit_b_16', 14]] as const) {
    const file = ensureTorchvisionExport(ctx, arch, { opset });
    if (!file) continue;
    const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean) => rows.push({ suite: SUITE, case: arch, metric, value, unit, ...(target ? { target, pass } : {}) });
    const model = decodeModel(readFileSync(file), file);
    const ir = buildGraph(model);
    const { candidates } = lowRankCandidates(ir);
    let t0 = performance.now();
    for (const c of candidates) layerSpectrum(c.matrix, c.out, c.in);
    row(`SVD of ${candidates.length} layers`, (performance.now() - t0) / 1000, 's');
    t0 = performance.now();
    const result = factoriseModel(model, { target: { kind: 'keep-macs', fraction: 0.7 } });
    row('factorise --keep-macs 0.7', (performance.now() - t0) / 1000, 's');
    const ratio = computeMetrics(buildGraph(result.model), inferShapes(buildGraph(result.model))).macs / computeMetrics(ir, inferShapes(ir)).macs;
    row('MACs kept at --keep-macs 0.7', ratio, '×', '≤ 0.72', ratio <= 0.72);
    row('layers factorised', result.layers.length, '');
    const session = await nodeModelRunner(decodeModel(encodeModel(result.model), 'factorised'));
    const out = await session.run({ input: { dims: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(0.5) } });
    const finite = Object.values(out).every((t) => t.data.every(Number.isFinite));
    row('runs in onnxruntime-node', finite ? 1 : 0, '', '1', finite);
    await session.release();
    ctx.log(`${arch}: ${candidates.length} candidates, ${result.layers.length} factorised, MACs ×${ratio.toFixed(3)}`);
  }
}

export default async function lowrankBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (process.env.BENCH_LOWRANK_SPEED !== '0') await speedRows(ctx, rows);
  if (process.env.BENCH_LOWRANK_ACCURACY !== '0') await accuracyRows(ctx, rows);
  return rows;
}
