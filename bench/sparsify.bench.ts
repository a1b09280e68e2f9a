// Sparsification (docs/compress.md) on the demo models and their held-out variants (bench/cache/heldout,
// from `tools/train-demo/chain.sh heldout-ARCH`): accuracy on the full 10,000-image Fashion-MNIST test
// set at 50 % and 70 % unstructured sparsity (magnitude per layer and global, Taylor global, Taylor
// global + SparseGPT-style refit on 256 unlabelled training images) and 2:4 (magnitude, + refit),
// beside the unpruned model and what a PyTorch user gets with torch.nn.utils.prune's L1 pruning
// (tools/torch-anchor/sparsify.py, same layers). Zeros do not speed up dense CPU kernels, so no
// latency is reported: 2:4 only pays on sparse tensor cores.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildGraph } from '../src/core/graph/ir.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import { weightTaylorImportance } from '../src/core/compress/sparse-importance.js';
import { sparseLayers } from '../src/core/compress/sparse-layers.js';
import { refitSparse } from '../src/core/compress/sparse-refit.js';
import { sparsifyModel, type SparsifyOptions } from '../src/core/compress/sparsify.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { fashionMnistBatches, fashionMnistPath, fullTestSet, unlabelled } from './fashion-mnist.js';
import { demoAndHeldOutModels, testAccuracy, torchAnchor } from './demo-models.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'sparsify';

function torchAccuracy(ctx: BenchContext, file: string, sparsity: number, scope: 'layer' | 'global'): number | undefined {
  return torchAnchor<{ testAccuracy: number }>(ctx, 'sparsify.py', ['--model', file, '--sparsity', String(sparsity), '--scope', scope,
    '--test', fashionMnistPath('t10k', 'images'), '--labels', fashionMnistPath('t10k', 'labels')])?.testAccuracy;
}

export default async function sparsifyBench(ctx: BenchContext): Promise<BenchRow[]> {
  const test = fullTestSet(ctx.log);
  if (!test) return [];
  const rows: BenchRow[] = [];
  const calibration = unlabelled(fashionMnistBatches('train', 0, 256, 8));
  const outDir = join(ctx.cacheDir, 'sparsify');
  mkdirSync(outDir, { recursive: true });
  for (const { file, name } of demoAndHeldOutModels(ctx, process.env.BENCH_SPARSIFY_MODELS?.split(','))) {
    const row = (metric: string, value: number, unit = '%') => rows.push({ suite: SUITE, case: name, metric, value, unit });
    const model = decodeModel(readFileSync(file), file);
    const ctxData = { runner: nodeModelRunner, batches: calibration };
    row('accuracy unpruned', (await testAccuracy(model, test)) * 100);
    ctx.log(`${name}: Taylor importance of every weight on ${calibration.length * 8} images`);
    const importance = await weightTaylorImportance(model, sparseLayers(buildGraph(model)).layers.map((l) => l.weight), ctxData);
    const measure = async (label: string, options: SparsifyOptions, refit = false) => {
      const r = sparsifyModel(model, options);
      const m = refit ? (await refitSparse(model, r.model, r.masks, ctxData)).model : r.model;
      row(`accuracy ${label}`, (await testAccuracy(m, test)) * 100);
    };
    for (const s of [0.5, 0.7]) {
      const u = { sparsity: s, pattern: { kind: 'unstructured' } } as const;
      ctx.log(`${name}: ${s * 100} % unstructured`);
      await measure(`${s * 100}% magnitude/layer`, u);
      await measure(`${s * 100}% magnitude/global`, { ...u, scope: 'global' });
      await measure(`${s * 100}% taylor/global`, { ...u, scope: 'global', importance });
      await measure(`${s * 100}% taylor/global+refit`, { ...u, scope: 'global', importance }, true);
      const torchFile = join(outDir, `${basename(file)}`);
      writeFileSync(torchFile, encodeModel(model));
      for (const scope of ['layer', 'global'] as const) {
        const t = torchAccuracy(ctx, torchFile, s, scope);
        if (t !== undefined) row(`accuracy ${s * 100}% pytorch l1/${scope}`, t * 100);
      }
    }
    ctx.log(`${name}: 2:4`);
    const nm = { sparsity: 0, pattern: { kind: 'n:m', n: 2, m: 4 } } as const;
    await measure('2:4 magnitude', nm);
    await measure('2:4 magnitude+refit', nm, true);
    await measure('2:4 taylor+refit', { ...nm, importance }, true);
  }
  return rows;
}
