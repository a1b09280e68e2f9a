// WASM threads in the studio worker, in a real browser (Debian Chromium on the built app, `vite
// preview` with COOP/COEP): validation throughput of the demo model on the bundled samples with
// 1 thread vs N = min(4, cores) threads (`?threads=N` fixes the worker's count; WASM_THREADS_N
// overrides N), in alternating rounds of one browser run, and the longest main-thread task while
// each validation ran.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs } from '../playwright.config.js';
import { installLongTasks, openDemoHalved, validateBundled, type ValidationRun } from './browser/validate-flow.js';
import { ensureBuilt, startPreview } from './browser/preview-server.js';
import { median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'wasm-threads';
const CASE = 'demo ResNet-8, bundled samples, 50 % pruned';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Rounds of (1 thread, N threads); each validation runs in a fresh page, so none reuses the original's runs. */
const ROUNDS = Number(process.env.WASM_THREADS_ROUNDS ?? 3);
/** The targets: ≥ 1.6× the single-thread throughput, and no main-thread task over 100 ms. */
const RATIO_TARGET = 1.6;
const LONG_TASK_TARGET_MS = 100;

/** Images per second through original + pruned: 1 / (median original + median pruned latency). */
const throughput = (run: ValidationRun): number => 1000 / (run.originalMs + run.prunedMs);

async function validateOnce(ctx: BenchContext, browser: Browser, appUrl: string, threads: number): Promise<ValidationRun> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await installLongTasks(page);
    await openDemoHalved(page, `${appUrl}/?threads=${threads}`);
    const run = await validateBundled(page);
    ctx.log(`${threads} thread(s): ${throughput(run).toFixed(1)} images/s (original ${run.originalMs} ms + pruned ${run.prunedMs} ms), ` +
      `validate ${(run.wallMs / 1000).toFixed(1)} s, longest task ${run.longestTaskMs.toFixed(0)} ms (${run.tasksOver100} > 100 ms); ${run.backendText}`);
    if (!run.backendText.includes(`${threads} thread`)) throw new Error(`asked for ${threads} thread(s), the studio says: ${run.backendText}`);
    return run;
  } finally {
    await page.close();
  }
}

export default async function wasmThreadsBench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    ctx.log(`skip wasm-threads bench: no Chromium at ${CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)`);
    return [];
  }
  ensureBuilt(root, ctx.log);
  const server = await startPreview(root);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  try {
    const probe = await browser.newPage();
    await probe.goto(`${server.url}/?demo=0`);
    const { cores, isolated } = await probe.evaluate(() => ({ cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated }));
    await probe.close();
    if (!isolated) throw new Error('the preview is not cross-origin isolated: no WASM threads to measure (COOP/COEP headers missing?)');
    // The studio's default is cores − 1 (runtime/wasm-threads.ts); WASM_THREADS_N measures that or any other count.
    const many = Number(process.env.WASM_THREADS_N ?? Math.min(4, cores));
    ctx.log(`app at ${server.url}, ${browser.version()} headless, ${cores} cores: 1 vs ${many} threads, ${ROUNDS} alternating rounds`);
    if (many < 2) return [];
    const runs = new Map<number, ValidationRun[]>([[1, []], [many, []]]);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so a load change on a shared machine favours neither.
      for (const threads of round % 2 ? [many, 1] : [1, many]) runs.get(threads)!.push(await validateOnce(ctx, browser, server.url, threads));
    }
    const single = median(runs.get(1)!.map(throughput));
    const multi = median(runs.get(many)!.map(throughput));
    const longest = (t: number) => Math.max(...runs.get(t)!.map((r) => r.longestTaskMs));
    const wall = (t: number) => median(runs.get(t)!.map((r) => r.wallMs)) / 1000;
    const of = `median of ${ROUNDS}`;
    return [
      { suite: SUITE, case: CASE, metric: `validation images/s (original + pruned), 1 thread, ${of}`, value: single, unit: 'img/s' },
      { suite: SUITE, case: CASE, metric: `validation images/s (original + pruned), ${many} threads, ${of}`, value: multi, unit: 'img/s' },
      { suite: SUITE, case: CASE, metric: `${many} threads ÷ 1 thread (${cores} cores)`, value: multi / single, unit: '×', target: `≥ ${RATIO_TARGET}×`, pass: multi / single >= RATIO_TARGET },
      { suite: SUITE, case: CASE, metric: `longest main-thread task while validating, ${many} threads`, value: longest(many), unit: 'ms', target: `≤ ${LONG_TASK_TARGET_MS} ms`, pass: longest(many) <= LONG_TASK_TARGET_MS },
      { suite: SUITE, case: CASE, metric: 'longest main-thread task while validating, 1 thread', value: longest(1), unit: 'ms', target: `≤ ${LONG_TASK_TARGET_MS} ms`, pass: longest(1) <= LONG_TASK_TARGET_MS },
      { suite: SUITE, case: CASE, metric: `click → results, 1 thread, ${of}`, value: wall(1), unit: 's' },
      { suite: SUITE, case: CASE, metric: `click → results, ${many} threads, ${of}`, value: wall(many), unit: 's' },
    ];
  } finally {
    await browser.close();
    await server.stop();
  }
}
