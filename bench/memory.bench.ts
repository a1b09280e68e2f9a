// Peak memory of the CLI on a big model: a generated three-layer MLP with external data (≈300 MB by
// default; MEMORY_BENCH_HIDDEN=21800 gives the 2.35 GB case of docs/cli.md), measured as the peak
// RSS of a child process per command. Target: peak ≤ 1.5× the model size for reading and pruning.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchRow, BenchSuite } from './harness.js';
import { writeMlp } from './memory/make-mlp.js';

const BIN = resolve('bin/prune-studio.mjs');
const PRELOAD = resolve('bench/memory/max-rss.mjs');

/** Runs the CLI in a child process; returns its peak RSS in bytes and its wall time. */
function measure(args: string[], dir: string): { rss: number; ms: number } {
  const file = join(dir, 'rss.txt');
  const t0 = performance.now();
  execFileSync(process.execPath, ['--import', PRELOAD, BIN, ...args], { env: { ...process.env, MAX_RSS_FILE: file }, stdio: ['ignore', 'ignore', 'inherit'] });
  return { rss: Number(readFileSync(file, 'utf8')), ms: performance.now() - t0 };
}

const suite: BenchSuite = async (ctx) => {
  const hidden = Number(process.env.MEMORY_BENCH_HIDDEN ?? 6500);
  const dir = join(tmpdir(), `memory-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const rows: BenchRow[] = [];
  try {
    const model = join(dir, 'mlp.onnx');
    const size = writeMlp(model, { inputs: 4096, hidden, outputs: 1000 });
    const label = `mlp ${(size / 1e6).toFixed(0)} MB`;
    ctx.log(`${label}: ${model} (+ .data)`);
    const base = measure(['help'], dir);
    rows.push({ suite: 'memory', case: 'node + CLI', metric: 'peak RSS', value: base.rss / 1e6, unit: 'MB' });
    const cases: [string, string[]][] = [
      ['groups (reads all weights)', ['groups', model]],
      ['prune --ratio 0.3', ['prune', model, '-o', join(dir, 'p.onnx'), '--ratio', '0.3']],
      ['prune --ratio 0.3 --external-data', ['prune', model, '-o', join(dir, 'pe.onnx'), '--ratio', '0.3', '--external-data']],
      ['prune --ratio 0', ['prune', model, '-o', join(dir, 'p0.onnx'), '--ratio', '0']],
    ];
    for (const [name, args] of cases) {
      const { rss, ms } = measure(args, dir);
      ctx.log(`${name}: ${(rss / 1e6).toFixed(0)} MB peak, ${(ms / 1000).toFixed(1)} s`);
      const out = args[3];
      const written = out && existsSync(out) ? statSync(out).size + (existsSync(`${out}.data`) ? statSync(`${out}.data`).size : 0) : undefined;
      rows.push({ suite: 'memory', case: `${label}: ${name}`, metric: 'peak RSS / model', value: rss / size, unit: '×', target: '≤ 1.5×', pass: rss / size <= 1.5 });
      rows.push({ suite: 'memory', case: `${label}: ${name}`, metric: 'peak RSS', value: rss / 1e6, unit: 'MB' });
      // What the command itself adds over node + CLI start-up, which weighs ~0.3x on the default size.
      rows.push({ suite: 'memory', case: `${label}: ${name}`, metric: 'peak RSS above node + CLI / model', value: (rss - base.rss) / size, unit: '×' });
      rows.push({ suite: 'memory', case: `${label}: ${name}`, metric: 'wall time', value: ms / 1000, unit: 's' });
      if (written !== undefined) rows.push({ suite: 'memory', case: `${label}: ${name}`, metric: 'written', value: written / 1e6, unit: 'MB' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};

export default suite;
