// Sparsification (docs/compress.md) on the demo models and their held-out variants (bench/cache/heldout,
// from `tools/train-demo/chain.sh heldout-ARCH`): accuracy on the full 10,000-image Fashion-MNIST test
// set at 50 % and 70 % unstructured sparsity (magnitude per layer and global, Taylor global, Taylor
// global + SparseGPT-style refit on 256 unlabelled training images) and 2:4 (magnitude, + refit),
// beside the unpruned model and what a PyTorch user gets with torch.nn.utils.prune's L1 pruning
// (tools/torch-anchor/sparsify.py, same layers). Zeros do not speed up dense CPU kernels, so no
// latency is reported: 2:4 only pays on sparse tensor cores.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGraph } from '../src/core/graph/ir.js';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import type { ModelProto } from '../src/core/onnx/proto.js';
import { weightTaylorImportance } from '../src/core/compress/sparse-importance.js';
import { sparseLayers } from '../src/core/compress/sparse-layers.js';
import { refitSparse } from '../src/core/compress/sparse-refit.js';
import { sparsifyModel, type SparsifyOptions } from '../src/core/compress/sparsify.js';
import type { ImageBatch } from '../src/core/score/images.js';
import { compareOutputs, referenceOutputs } from '../src/core/score/metric.js';
import { nodeModelRunner } from '../src/cli/data/score-images.js';
import { fashionMnistBatches, fashionMnistPath, hasFashionMnist, unlabelled } from './fashion-mnist.js';
import type { BenchContext, BenchRow } from './harness.js';

const SUITE = 'sparsify';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function accuracy(model: ModelProto, test: readonly ImageBatch[]): Promise<number> {
  const outs = await referenceOutputs(model, nodeModelRunner, test);
  return compareOutputs(outs, outs, test, model.graph!.output[0]!.name).accuracy!;
}

function models(ctx: BenchContext): { file: string; name: string }[] {
  const demo = ['fmnist-resnet8.onnx', 'fmnist-squeezenet.onnx', 'fmnist-vgg.onnx'].map((f) => ({ file: join(ROOT, 'public/models', f), name: basename(f, '.onnx') }));
  const dir = join(ctx.cacheDir, 'heldout');
  const held = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => ({ file: join(dir, f), name: `${basename(f, '.onnx')} (held-out)` })) : [];
  const only = process.env.BENCH_SPARSIFY_MODELS?.split(',');
  return [...demo, ...held].filter((m) => !only || only.some((o) => m.file.endsWith(o)));
}

function torchAccuracy(ctx: BenchContext, file: string, sparsity: number, scope: 'layer' | 'global'): number | undefined {
  if (!ctx.python) return undefined;
  try {
    const out = execFileSync(ctx.python, [join(ROOT, 'tools/torch-anchor/sparsify.py'), '--model', file, '--sparsity', String(sparsity), '--scope', scope,
      '--test', fashionMnistPath('t10k', 'images'), '--labels', fashionMnistPath('t10k', 'labels')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return (JSON.parse(out.trim().split('\n').pop()!) as { testAccuracy: number }).testAccuracy;
  } catch (err) {
    ctx.log(`PyTorch anchor failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export default async function sparsifyBench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!hasFashionMnist()) {
    ctx.log('Fashion-MNIST IDX files missing (apt-get install dataset-fashion-mnist): skipped');
    return [];
  }
  const rows: BenchRow[] = [];
  const test = fashionMnistBatches('t10k', 0, 10000, 500);
  const calibration = unlabelled(fashionMnistBatches('train', 0, 256, 8));
  const outDir = join(ctx.cacheDir, 'sparsify');
  mkdirSync(outDir, { recursive: true });
  for (const { file, name } of models(ctx)) {
    const row = (metric: string, value: number, unit = '%') => rows.push({ suite: SUITE, case: name, metric, value, unit });
    const model = decodeModel(readFileSync(file), file);
    const ctxData = { runner: nodeModelRunner, batches: calibration };
    row('accuracy unpruned', (await accuracy(model, test)) * 100);
    ctx.log(`${name}: Taylor importance of every weight on ${calibration.length * 8} images`);
    const importance = await weightTaylorImportance(model, sparseLayers(buildGraph(model)).layers.map((l) => l.weight), ctxData);
    const measure = async (label: string, options: SparsifyOptions, refit = false) => {
      const r = sparsifyModel(model, options);
      const m = refit ? (await refitSparse(model, r.model, r.masks, ctxData)).model : r.model;
      row(`accuracy ${label}`, (await accuracy(m, test)) * 100);
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
