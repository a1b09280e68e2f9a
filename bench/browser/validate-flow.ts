// The studio's validation as a user runs it, for the WASM-threads benchmark: open the demo with
// `?threads=N`, prune 50 % uniformly, validate on the bundled samples, and read back the latencies,
// the backend line and the main-thread long tasks of the validation.
import type { Page } from 'playwright-core';

/** What one validation measured. */
export interface ValidationRun {
  /** Median latency per image of the original and the pruned model (the results table), ms. */
  originalMs: number;
  prunedMs: number;
  /** Click on Validate → results table, ms (decoding, pruning and both models' runs). */
  wallMs: number;
  /** Longest main-thread task while validating (PerformanceObserver 'longtask', 0 when none > 50 ms). */
  longestTaskMs: number;
  /** Main-thread tasks over 100 ms while validating. */
  tasksOver100: number;
  /** "Last run on wasm · 2 threads …" as the Validate tab shows it. */
  backendText: string;
}

const TIMEOUT_MS = 240_000;

/** Collects main-thread long tasks from the first document on; call before page.goto. */
export async function installLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { benchLongTasks: number[] };
    w.benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.benchLongTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

function ms(text: string): number {
  const value = parseFloat(text);
  if (!Number.isFinite(value)) throw new Error(`not a latency: "${text}"`);
  return value;
}

/** Opens the demo at `url` (or, with `modelFile`, the app without the demo and that model file) and prunes every group by half (Ratios tab, global uniform). */
export async function openAndHalve(page: Page, url: string, modelFile?: string): Promise<void> {
  await page.goto(url);
  // A path, not a buffer: the local browser reads it from disk (a 45 MB buffer crosses the protocol as base64).
  if (modelFile) await page.getByLabel('Open ONNX model').setInputFiles(modelFile, { timeout: TIMEOUT_MS });
  await page.getByTestId('graph').locator('[data-node-id]').first().waitFor({ timeout: TIMEOUT_MS });
  await page.getByRole('tab', { name: 'Ratios' }).click();
  await page.getByLabel('Global mode').selectOption('uniform');
  await page.getByLabel('Global target').fill('0.5');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.getByTestId('plan-cost').getByRole('row', { name: /Parameters/ }).filter({ hasText: /−[1-9]/ }).waitFor({ timeout: TIMEOUT_MS });
}

/** Validates original vs pruned on the bundled samples, or on `images` uploaded; the page must show a pruned plan. */
export async function validateOnImages(page: Page, images?: { name: string; mimeType: string; buffer: Buffer }[]): Promise<ValidationRun> {
  await page.getByRole('tab', { name: 'Validate' }).click();
  if (images) {
    await page.getByLabel('Upload images', { exact: true }).setInputFiles(images);
    await page.getByTestId('image-source').filter({ hasText: `${images.length} uploaded images` }).waitFor({ timeout: TIMEOUT_MS });
  } else {
    await page.getByRole('button', { name: 'Use bundled samples' }).click();
    await page.getByTestId('image-source').filter({ hasText: 'bundled samples' }).waitFor({ timeout: TIMEOUT_MS });
  }
  await page.evaluate(() => {
    (window as unknown as { benchLongTasks: number[] }).benchLongTasks = [];
  });
  const started = Date.now();
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const results = page.getByTestId('validation-results');
  await results.waitFor({ timeout: TIMEOUT_MS });
  const wallMs = Date.now() - started;
  const tasks = await page.evaluate(() => (window as unknown as { benchLongTasks: number[] }).benchLongTasks);
  const cells = results.getByRole('row', { name: /Latency/ }).getByRole('cell');
  return {
    originalMs: ms(await cells.nth(1).innerText()),
    prunedMs: ms(await cells.nth(2).innerText()),
    wallMs,
    longestTaskMs: Math.max(0, ...tasks),
    tasksOver100: tasks.filter((t) => t > 100).length,
    backendText: (await page.getByTestId('active-backend').innerText()).trim(),
  };
}
