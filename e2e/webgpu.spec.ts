// The WebGPU path must compute what the WASM path computes: validate the demo on the bundled
// samples with WebGPU, then with WASM, and require the original model's per-image predictions
// (hence its accuracy) to be identical. Headless Debian Chromium offers a WebGPU adapter
// (SwiftShader, on the CPU) only with --enable-unsafe-webgpu and without --disable-gpu, so this
// file launches Chromium with its own flags. Where no adapter exists the panel must say why it
// fell back to WASM, and the results must still appear: that is asserted, not skipped.
// A labelled subset of the bundled samples, uploaded as a class-folder tree, keeps it under a minute.
import type { Page } from '@playwright/test';
import { expectCommitted } from './helpers/committed';
import { expect, test } from './helpers/test';
import { labelledSubset, openWithAdapter, webGpuLaunchOptions } from './helpers/webgpu';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

test.use({ launchOptions: webGpuLaunchOptions });

type Backend = 'WASM' | 'WebGPU';

interface Run {
  backendText: string;
  accuracies: [string, string];
  agreement: string;
  /** Image name → the original model's predicted class caption. */
  originalPredictions: Map<string, string>;
  seconds: number;
}

// Validate on the first few bundled samples of each class (helpers/webgpu.ts says why).
const PER_CLASS = 4;

/** Uploads the subset folder afresh (which clears the last report), validates on `backend` and reads the results. */
async function validateOn(page: Page, panels: PanelsPage, backend: Backend, folder: string, count: number): Promise<Run> {
  await panels.openTab('Validate');
  await page.getByRole('radio', { name: backend }).check();
  await page.getByLabel('Upload a folder of class sub-folders').setInputFiles(folder);
  await expect(panels.validationResults).toBeHidden();
  await expect(page.getByTestId('image-source')).toContainText(`${count} uploaded images, ${count} labelled by folder`);

  const started = Date.now();
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const failure = page.locator('section[aria-label="Validation"] [role="alert"]');
  await expect(panels.validationResults.or(failure)).toBeVisible({ timeout: 120_000 });
  await expect(failure, 'validation must not fail').toHaveCount(0);
  const seconds = (Date.now() - started) / 1000;

  const predictions = page.getByTestId('predictions');
  await expect(page.getByRole('heading', { name: /Per-image predictions/ })).toContainText(`of ${count} changed`);
  const showAll = page.getByRole('button', { name: `Show all ${count}` });
  if (await showAll.isVisible()) await showAll.click();
  await expect(predictions.locator('figure')).toHaveCount(count);
  const pairs = await predictions.locator('figure').evaluateAll((figures) =>
    figures.map((f) => [f.getAttribute('title') ?? '', [...f.querySelectorAll('figcaption div')].map((d) => d.textContent ?? '').find((t) => t.startsWith('orig:')) ?? ''] as const),
  );
  const agreement = await panels.validationResults.getByRole('row', { name: /Agreement \(top-1\)/ }).getByRole('cell').nth(2).innerText();
  return {
    backendText: (await panels.activeBackend.innerText()).trim(),
    accuracies: await panels.accuracies(),
    agreement,
    originalPredictions: new Map(pairs),
    seconds,
  };
}

/** A "12.3 %" cell as a number, after checking its format. */
function percentValue(cell: string): number {
  expect(cell).toMatch(/^\d+(\.\d)? %$/);
  return Number.parseFloat(cell);
}

test('WebGPU validation gives the same original-model predictions as WASM', async ({ page }, testInfo) => {
  expectCommitted('public/models/index.json');
  test.setTimeout(300_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);

  // The adapter, seen from the page itself, decides which outcome the panel must show.
  const adapter = await openWithAdapter(page, studio, testInfo);

  // Prune 30 % so the pruned column differs from the original one.
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.setGlobalUniform(30);
  await expect(panels.paramsRow()).toContainText(/−[1-9]/);

  const folder = testInfo.outputPath('samples-subset');
  const count = labelledSubset(folder, PER_CLASS);
  expect(count).toBe(10 * PER_CLASS);

  const gpu = await validateOn(page, panels, 'WebGPU', folder, count);
  testInfo.annotations.push({ type: 'webgpu-run', description: `${gpu.backendText} in ${gpu.seconds.toFixed(1)} s; accuracy ${gpu.accuracies.join(' → ')}, agreement ${gpu.agreement}` });
  if (adapter) {
    expect(gpu.backendText).toMatch(/^Last run on webgpu/);
    expect(gpu.backendText).not.toMatch(/fell back: .*WebGPU/i);
  } else {
    // No adapter here: the fallback must be explained, and the run must still have produced results.
    expect(gpu.backendText).toMatch(/^Last run on wasm · \d+ threads? — fell back: .*WebGPU/i);
  }
  await panels.validationResults.scrollIntoViewIfNeeded();
  await studio.screenshot('validation-webgpu');

  const wasm = await validateOn(page, panels, 'WASM', folder, count);
  testInfo.annotations.push({ type: 'wasm-run', description: `${wasm.backendText} in ${wasm.seconds.toFixed(1)} s; accuracy ${wasm.accuracies.join(' → ')}, agreement ${wasm.agreement}` });
  expect(wasm.backendText).toMatch(/^Last run on wasm/);
  await panels.validationResults.scrollIntoViewIfNeeded();
  await studio.screenshot('validation-wasm');

  // Sane numbers: the trained demo is far above chance (10 classes) on its own test samples, and
  // 30 % uniform pruning without recovery still agrees with the original on some images.
  for (const run of [gpu, wasm]) {
    const [original, pruned] = run.accuracies.map(percentValue);
    expect(original).toBeGreaterThan(50);
    expect(original).toBeLessThanOrEqual(100);
    expect(pruned).toBeGreaterThanOrEqual(0);
    expect(pruned).toBeLessThanOrEqual(100);
    const agreement = percentValue(run.agreement);
    expect(agreement).toBeGreaterThan(0);
    expect(agreement).toBeLessThanOrEqual(100);
  }

  // The core check: the original model predicts the same class for every image on both backends.
  expect(gpu.originalPredictions.size).toBe(wasm.originalPredictions.size);
  const differing = [...wasm.originalPredictions].filter(([name, cls]) => gpu.originalPredictions.get(name) !== cls).map(([name]) => name);
  expect(differing, 'images whose original-model prediction differs between WebGPU and WASM').toEqual([]);
  expect(gpu.accuracies[0]).toBe(wasm.accuracies[0]);
});
