// WASM threads in the studio worker, in a real browser (Debian Chromium on the built app, `vite
// preview` with COOP/COEP): validation throughput with 1 thread vs N = min(4, cores) threads
// (`?threads=N` fixes the worker's count; WASM_THREADS_N overrides N), in alternating rounds of one
// browser run, and the longest main-thread task while each validation ran. Two cases: the demo
// model on the bundled samples, and a 224² torchvision ResNet-18 opened from a file and validated on
// uploaded samples (WASM_THREADS_CASE=ResNet-18 runs only the cases whose label contains it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs } from '../playwright.config.js';
import { installLongTasks, openAndHalve, validateOnImages, type ValidationRun } from './browser/validate-flow.js';
import { ensureBuilt, startPreview } from './browser/preview-server.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'wasm-threads';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Rounds of (1 thread, N threads); each validation runs in a fresh page, so none reuses the original's runs. */
const ROUNDS = Number(process.env.WASM_THREADS_ROUNDS ?? 3);
/** The targets: ≥ 1.6× the single-thread throughput, and no main-thread task over 100 ms. */
const RATIO_TARGET = 1.6;
const LONG_TASK_TARGET_MS = 100;
/** Bundled test images for the 224² case: a few per class (each runs ≈ 0.1–0.3 s per model there). */
const HEAVY_IMAGES = Number(process.env.WASM_THREADS_HEAVY_IMAGES ?? 24);

/** What one case validates: the demo on the bundled samples, or a model file on uploaded images. */
interface ThreadsCase {
  label: string;
  modelFile?: string;
  images?: { name: string; mimeType: string; buffer: Buffer }[];
}

/** Images per second through original + pruned: 1 / (median original + median pruned latency). */
const throughput = (run: ValidationRun): number => 1000 / (run.originalMs + run.prunedMs);

async function validateOnce(ctx: BenchContext, browser: Browser, appUrl: string, threads: number, which: ThreadsCase): Promise<ValidationRun> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await installLongTasks(page);
    await openAndHalve(page, `${appUrl}/?threads=${threads}${which.modelFile ? '&demo=0' : ''}`, which.modelFile);
    const run = await validateOnImages(page, which.images);
    ctx.log(`${which.label}, ${threads} thread(s): ${throughput(run).toFixed(1)} images/s (original ${run.originalMs} ms + pruned ${run.prunedMs} ms), ` +
      `validate ${(run.wallMs / 1000).toFixed(1)} s, longest task ${run.longestTaskMs.toFixed(0)} ms (${run.tasksOver100} > 100 ms); ${run.backendText}`);
    if (!run.backendText.includes(`${threads} thread`)) throw new Error(`asked for ${threads} thread(s), the studio says: ${run.backendText}`);
    return run;
  } finally {
    await page.close();
  }
}

/** `count` bundled test images, taken round-robin over the class folders. */
function bundledTestImages(count: number): { name: string; mimeType: string; buffer: Buffer }[] {
  const dir = join(root, 'public', 'samples', 'test');
  const classes = readdirSync(dir).sort().map((c) => readdirSync(join(dir, c)).sort().map((f) => join(dir, c, f)));
  const files: string[] = [];
  for (let i = 0; files.length < count && i < 1000; i++) {
    const file = classes[i % classes.length]![Math.floor(i / classes.length)];
    if (file) files.push(file);
  }
  return files.map((f) => ({ name: basename(f), mimeType: 'image/png', buffer: readFileSync(f) }));
}

/** Alternating rounds of 1 and `many` threads on one case, as bench rows. */
async function measureCase(ctx: BenchContext, browser: Browser, appUrl: string, many: number, cores: number, which: ThreadsCase): Promise<BenchRow[]> {
  const runs = new Map<number, ValidationRun[]>([[1, []], [many, []]]);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so a load change on a shared machine favours neither.
    for (const threads of round % 2 ? [many, 1] : [1, many]) runs.get(threads)!.push(await validateOnce(ctx, browser, appUrl, threads, which));
  }
  const single = median(runs.get(1)!.map(throughput));
  const multi = median(runs.get(many)!.map(throughput));
  const longest = (t: number) => Math.max(...runs.get(t)!.map((r) => r.longestTaskMs));
  const wall = (t: number) => median(runs.get(t)!.map((r) => r.wallMs)) / 1000;
  const of = `median of ${ROUNDS}`;
  const CASE = which.label;
  return [
    { suite: SUITE, case: CASE, metric: `validation images/s (original + pruned), 1 thread, ${of}`, value: single, unit: 'img/s' },
    { suite: SUITE, case: CASE, metric: `validation images/s (original + pruned), ${many} threads, ${of}`, value: multi, unit: 'img/s' },
    { suite: SUITE, case: CASE, metric: `${many} threads ÷ 1 thread (${cores} cores)`, value: multi / single, unit: '×', target: `≥ ${RATIO_TARGET}×`, pass: multi / single >= RATIO_TARGET },
    { suite: SUITE, case: CASE, metric: `longest main-thread task while validating, ${many} threads`, value: longest(many), unit: 'ms', target: `≤ ${LONG_TASK_TARGET_MS} ms`, pass: longest(many) <= LONG_TASK_TARGET_MS },
    { suite: SUITE, case: CASE, metric: 'longest main-thread task while validating, 1 thread', value: longest(1), unit: 'ms', target: `≤ ${LONG_TASK_TARGET_MS} ms`, pass: longest(1) <= LONG_TASK_TARGET_MS },
    { suite: SUITE, case: CASE, metric: `click → results, 1 thread, ${of}`, value: wall(1), unit: 's' },
    { suite: SUITE, case: CASE, metric: `click → results, ${many} threads, ${of}`, value: wall(many), unit: 's' },
  ];
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
    const cases: ThreadsCase[] = [{ label: 'demo ResNet-8 (9 M MACs), 300 bundled samples, 50 % pruned' }];
    // A 28² demo image is ≈ 1 ms of compute: thread start-up eats most of what a second thread gives.
    // A 224² torchvision ResNet-18 (1.8 G MACs per image) is where threads pay, as on users' models.
    const heavy = ensureTorchvisionExport(ctx, 'resnet18');
    if (heavy) cases.push({ label: `torchvision ResNet-18 224² (random weights), ${HEAVY_IMAGES} uploaded samples, 50 % pruned`, modelFile: heavy, images: bundledTestImages(HEAVY_IMAGES) });
    const rows: BenchRow[] = [];
    for (const which of cases.filter((c) => !process.env.WASM_THREADS_CASE || c.label.includes(process.env.WASM_THREADS_CASE))) rows.push(...(await measureCase(ctx, browser, server.url, many, cores, which)));
    return rows;
  } finally {
    await browser.close();
    await server.stop();
  }
}
