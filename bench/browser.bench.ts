// The studio in a real browser (Debian Chromium, headless, --disable-gpu so software-rendered):
// time from dropping a full-width torchvision ResNet-50 export to its drawn graph, and the frame
// rate while panning and zooming DenseNet-121. Runs against the built app (`vite preview`).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs } from '../playwright.config.js';
import { serveFile } from './browser/file-server.js';
import { dropStagedAndWaitForGraph, installNameShim, panAndZoom, stageFile, startFrameCounter, stopFrameCounter } from './browser/measure.js';
import { ensureBuilt, startPreview } from './browser/preview-server.js';
import { ensureTorchvisionExport, median, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'browser';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A dropped ResNet-50 should be on screen within two seconds. */
const DROP_TARGET_MS = 2000;
/** Panning and zooming should stay smooth: 50 fps or more. */
const FPS_TARGET = 50;
const DROP_RUNS = 3;
const PAN_ZOOM_MS = 5000;
const DRAW_TIMEOUT_MS = 60_000;

/** Opens a fresh page of the studio (no start-up demo) with `file` staged for a drop. */
async function openWithStagedFile(browser: Browser, appUrl: string, fileUrl: string, name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await installNameShim(page);
  await page.goto(`${appUrl}/?demo=0`);
  await page.getByRole('heading', { name: 'Prune Studio' }).waitFor();
  await stageFile(page, fileUrl, name);
  return page;
}

/** "623 nodes · 194 boxes · layout 310 ms" from the status bar, for the log. */
async function graphStatus(page: Page): Promise<string> {
  return ((await page.getByTestId('graph-status').textContent()) ?? '').trim();
}

async function measureDrop(ctx: BenchContext, browser: Browser, appUrl: string, model: string): Promise<BenchRow[]> {
  const served = await serveFile(model);
  const name = basename(model);
  const times: number[] = [];
  try {
    for (let run = 0; run < DROP_RUNS; run++) {
      const page = await openWithStagedFile(browser, appUrl, served.url, name);
      times.push(await dropStagedAndWaitForGraph(page, DRAW_TIMEOUT_MS));
      if (run === 0) ctx.log(`${name}: ${await graphStatus(page)}`);
      await page.close();
    }
  } finally {
    await served.stop();
  }
  ctx.log(`${name}: drop → drawn ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  const ms = median(times);
  return [
    { suite: SUITE, case: 'resnet50 (full width, 224)', metric: `drop → graph drawn (median of ${DROP_RUNS})`, value: ms, unit: 'ms', target: `≤ ${DROP_TARGET_MS} ms`, pass: ms <= DROP_TARGET_MS },
    { suite: SUITE, case: 'resnet50 (full width, 224)', metric: 'drop → graph drawn (worst)', value: Math.max(...times), unit: 'ms' },
  ];
}

async function measurePanZoom(ctx: BenchContext, browser: Browser, appUrl: string, model: string): Promise<BenchRow[]> {
  const served = await serveFile(model);
  let page: Page | undefined;
  try {
    page = await openWithStagedFile(browser, appUrl, served.url, basename(model));
    await dropStagedAndWaitForGraph(page, DRAW_TIMEOUT_MS);
  } finally {
    await served.stop();
  }
  // Let the initial view settle (layout worker, first paints) before counting frames.
  await page.waitForTimeout(1000);
  const box = await page.getByTestId('graph').boundingBox();
  if (!box) throw new Error('graph view has no box on the page');
  const idle = await (async () => {
    await startFrameCounter(page);
    await page.waitForTimeout(1000);
    return stopFrameCounter(page);
  })();
  await startFrameCounter(page);
  const gestures = await panAndZoom(page, box, PAN_ZOOM_MS);
  const stats = await stopFrameCounter(page);
  if (stats.viewChanges === 0) throw new Error('the wheel and drag gestures did not move the graph view: the fps would measure an idle page');
  ctx.log(`densenet121: ${await graphStatus(page)}; ${gestures} wheel/drag gestures, ${stats.frames} frames in ${stats.seconds.toFixed(1)} s, view moved on ${stats.viewChanges}; idle ${idle.fps.toFixed(1)} fps`);
  await page.close();
  const caseName = 'densenet121 (full width, 224)';
  return [
    { suite: SUITE, case: caseName, metric: 'fps while panning + zooming', value: stats.fps, unit: 'fps', target: `≥ ${FPS_TARGET} fps`, pass: stats.fps >= FPS_TARGET },
    { suite: SUITE, case: caseName, metric: 'longest frame while panning + zooming', value: stats.longestFrameMs, unit: 'ms' },
    { suite: SUITE, case: caseName, metric: 'fps idle (same page, no input)', value: idle.fps, unit: 'fps' },
  ];
}

export default async function browserBench(ctx: BenchContext): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    ctx.log(`skip browser bench: no Chromium at ${CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)`);
    return [];
  }
  const resnet50 = ensureTorchvisionExport(ctx, 'resnet50');
  const densenet121 = ensureTorchvisionExport(ctx, 'densenet121');
  if (!resnet50 && !densenet121) return [];
  ensureBuilt(root, ctx.log);
  const server = await startPreview(root);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  try {
    ctx.log(`app at ${server.url}, ${browser.version()} headless, software-rendered (--disable-gpu)`);
    const rows: BenchRow[] = [];
    if (resnet50) rows.push(...(await measureDrop(ctx, browser, server.url, resnet50)));
    if (densenet121) rows.push(...(await measurePanZoom(ctx, browser, server.url, densenet121)));
    return rows;
  } finally {
    await browser.close();
    await server.stop();
  }
}
