// Shared benchmark plumbing. Every bench/*.bench.ts exports
//   default async function (ctx: BenchContext): Promise<BenchRow[]>
// and bench/run.ts collects the rows into one table and bench/out/results.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a benchmark gets from the runner. */
export interface BenchContext {
  /** bench/cache: exported models and other expensive inputs, kept between runs (git-ignored). */
  cacheDir: string;
  /** The Python with torch/torchvision/onnx (/usr/bin/python3), or undefined when it is missing. */
  python: string | undefined;
  log(msg: string): void;
}

/** One measured number. `target` is human text ("≤ 0.3 s"); `pass` says whether it was met. */
export interface BenchRow {
  suite: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
}

/** The signature every bench/*.bench.ts default-exports. */
export type BenchSuite = (ctx: BenchContext) => Promise<BenchRow[]>;

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the median wall time in ms. */
export async function timeIt(fn: () => unknown, opts: { warmup?: number; runs?: number } = {}): Promise<number> {
  const { warmup = 1, runs = 5 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Memory in use by this process that a JS workload can grow: V8 heap plus ArrayBuffers. */
function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Peak extra memory (bytes of V8 heap + ArrayBuffers above the level before the call) while `fn`
 * runs. Sampled every millisecond between event-loop turns, after `fn` returns, and whenever `fn`
 * calls the `sample` it is given: synchronous work never yields to the timer, so it should call
 * `sample()` at its checkpoints (after each big allocation). Garbage not yet collected counts too,
 * as it does for the real process. Run node with --expose-gc for a clean baseline (npm run bench does).
 */
export async function measurePeakMemory<T>(
  fn: (sample: () => void) => T | Promise<T>,
): Promise<{ peakBytes: number; result: T }> {
  // ArrayBuffer memory is released shortly after a collection, not during it: collect, wait, repeat.
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const base = memoryInUse();
  let peak = base;
  const sample = (): void => {
    peak = Math.max(peak, memoryInUse());
  };
  const timer = setInterval(sample, 1);
  try {
    const result = await fn(sample);
    sample();
    return { peakBytes: peak - base, result };
  } finally {
    clearInterval(timer);
  }
}

/** Finds the Python that has torch (the Debian one); undefined when absent. */
export function findPython(): string | undefined {
  const candidate = '/usr/bin/python3';
  if (!existsSync(candidate)) return undefined;
  try {
    execFileSync(candidate, ['-c', 'import torch, torchvision, onnx'], { stdio: 'ignore' });
    return candidate;
  } catch {
    return undefined;
  }
}

export interface ExportOptions {
  /** Input side length (default 224). */
  size?: number;
  opset?: number;
  /** Where exports are cached (default bench/cache) and how to log; a BenchContext fits here. */
  cacheDir?: string;
  python?: string | undefined;
  log?: (msg: string) => void;
}

const defaultCacheDir = join(dirname(fileURLToPath(import.meta.url)), 'cache');

/**
 * Exports a full-width torchvision classifier (random weights, never downloaded) at 224×224 into
 * bench/cache/<name>-<size>.onnx, once. Returns the path, or undefined (with the reason logged)
 * when torch is not available. Call as ensureTorchvisionExport('resnet50', { ...ctx, size }) or
 * ensureTorchvisionExport(ctx, 'resnet50', { size }).
 */
export function ensureTorchvisionExport(name: string, opts?: ExportOptions): string | undefined;
export function ensureTorchvisionExport(ctx: BenchContext, name: string, opts?: ExportOptions): string | undefined;
export function ensureTorchvisionExport(
  first: string | BenchContext,
  second?: string | ExportOptions,
  third?: ExportOptions,
): string | undefined {
  const [name, opts] = typeof first === 'string' ? [first, (second as ExportOptions | undefined) ?? {}] : [second as string, { ...first, ...third }];
  const size = opts.size ?? 224;
  const opset = opts.opset ?? 13;
  const cacheDir = opts.cacheDir ?? defaultCacheDir;
  const python = 'python' in opts ? opts.python : findPython();
  const log = opts.log ?? ((msg: string) => console.log(msg));
  const file = join(cacheDir, `${name}-${size}.onnx`);
  if (existsSync(file)) return file;
  if (!python) {
    log(`skip ${name}: no Python with torch+torchvision (need /usr/bin/python3 with python3-torch)`);
    return undefined;
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.tmp`;
  const script = [
    'import sys, torch, torchvision',
    'name, size, opset, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]',
    'model = getattr(torchvision.models, name)().eval()',
    'x = torch.randn(1, 3, size, size)',
    "torch.onnx.export(model, x, out, opset_version=opset, input_names=['input'], output_names=['logits'],",
    "                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)",
  ].join('\n');
  log(`exporting torchvision ${name} at ${size}×${size} → ${file} (once; cached)`);
  try {
    execFileSync(python, ['-c', script, name, String(size), String(opset), tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    log(`skip ${name}: torch export failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
    return undefined;
  }
  renameSync(tmp, file); // only complete exports land in the cache
  return file;
}
