// The Rank and Sparsity tabs on calibration images, on the bundled demo at 1440×900: before images
// are chosen the data options are disabled and say where to choose them; after "Use bundled samples"
// in Validate, Taylor sparsity with the refit (the map reports each layer's output error) and
// data-aware low rank with the refit (whitened spectra, a MACs target over them); validation names
// what was applied, and the plan records the ranks and the Taylor criterion but not the refits.
import { parsePlan } from '../src/core/prune/plan';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './helpers/test';
import { CompressPage } from './pages/compress';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

/** The demo at 1440×900 (the projector size these screenshots are read at), with the page objects. */
async function openDemo(page: Page, testInfo: TestInfo): Promise<{ studio: StudioPage; panels: PanelsPage; compress: CompressPage }> {
  await page.setViewportSize({ width: 1440, height: 900 });
  const studio = new StudioPage(page, testInfo);
  await studio.goto({ demo: true });
  await studio.expectGraph();
  return { studio, panels: new PanelsPage(page), compress: new CompressPage(page) };
}

test('demo → data options need images → Taylor sparsity on the bundled calibration set → validate → plan records taylor', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const { studio, panels, compress } = await openDemo(page, testInfo);

  // No images yet: the controls are off and say what to do.
  await compress.openTab('Sparsity');
  await expect(page.getByLabel('Sparsity criterion')).toBeDisabled();
  await expect(page.getByLabel('Refit (least squares)')).toBeDisabled();
  await expect(page.getByTestId('sparsity-data-note')).toContainText('choose images in the Validate tab');
  await compress.openRank();
  await expect(page.getByLabel('Data-aware (whiten by input covariance)')).toBeDisabled();
  await expect(page.getByTestId('rank-data-note')).toContainText('choose images in the Validate tab');

  await panels.validateOnBundledSamples();

  // Taylor + refit: the map on the calibration images, with what the refit did.
  await compress.openTab('Sparsity');
  await page.getByLabel('Sparsity pattern').selectOption('unstructured');
  await page.getByLabel('Sparsity criterion').selectOption('taylor');
  // One global cut over every eligible layer (2:4 left the 1-input stem dense), by Taylor on the images.
  await expect(compress.sparsitySummary).toHaveText(/of the weights of 10 layers are zero\.$/, { timeout: 120_000 });
  await expect(page.getByRole('progressbar', { name: 'Sparsity progress' })).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByLabel('Sparsify the validated and exported model').check();
  await expect(compress.heatmap).toBeVisible();
  await page.getByLabel('Sparsity pattern').scrollIntoViewIfNeeded();
  await studio.screenshot('sparsity-taylor');

  // Validation builds the same model: it says Taylor ran on the images.
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const row = page.getByTestId('compress-row');
  await expect(row).toContainText('by Taylor', { timeout: 180_000 });
  await expect(row).toContainText('calibration images');
  await row.scrollIntoViewIfNeeded();
  await studio.screenshot('validate-taylor');

  // The plan records the Taylor criterion (replayed by `prune --plan --images`).
  const plan = parsePlan(JSON.parse(await compress.planText(testInfo)));
  expect(plan.sparsity).toMatchObject({ pattern: 'unstructured', criterion: 'taylor' });
  // The Export tab's summary says so too, in the Validate row's words.
  await expect(page.getByTestId('export-compress')).toContainText('sparsity (global) by Taylor; on the calibration images');
});

// The refits and data-aware low rank capture layer inputs/outputs (core captureTensors), the demo
// ResNet-8's shortcut convs among them: the run that once failed in the browser only (web-session.ts).
test('demo → Taylor + refit, data-aware + refit → validate → plan without refits', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const { studio, panels, compress } = await openDemo(page, testInfo);
  await panels.validateOnBundledSamples();
  await compress.openTab('Sparsity');
  await page.getByLabel('Sparsity pattern').selectOption('unstructured');
  await page.getByLabel('Sparsity criterion').selectOption('taylor');
  await page.getByLabel('Refit (least squares)').check();
  await page.getByLabel('Sparsify the validated and exported model').check();
  await expect(page.getByTestId('sparsity-refit')).toContainText(/Refit \d+ of \d+ layers: output error/, { timeout: 120_000 });
  await expect(page.getByTestId('sparsity-data-note')).toContainText('the refit is not part of the plan');
  await studio.screenshot('sparsity-taylor-refit');
  // Data-aware low rank: whitened spectra, a MACs target over them, the refit.
  await compress.openTab('Rank');
  await page.getByLabel('Data-aware (whiten by input covariance)').check();
  await expect(page.getByTestId('spectra-whitened')).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('Refit second factors (least squares)').check();
  await compress.applyTarget('macs', 70);
  await expect(compress.factorisedRows().first()).toBeVisible({ timeout: 60_000 });
  const factorised = await compress.factorisedRows().count();
  await expect(page.getByTestId('rank-data-note')).toContainText('records the chosen ranks only');
  await studio.screenshot('rank-data-aware');

  // Validation builds the same model: it says what ran on the images and what the plan leaves out.
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const row = page.getByTestId('compress-row');
  await expect(row).toContainText(`low rank: ${factorised} layers factorised`, { timeout: 180_000 });
  await expect(row).toContainText('data-aware');
  await expect(row).toContainText('by Taylor');
  await expect(row).toContainText('not in the plan');
  await row.scrollIntoViewIfNeeded();
  await studio.screenshot('validate-data-aware');

  // The plan: the ranks and the Taylor criterion (replayed by `prune --plan --images`), no refits.
  const text = await compress.planText(testInfo);
  const plan = parsePlan(JSON.parse(text));
  expect(Object.keys(plan.lowrank!.ranks)).toHaveLength(factorised);
  expect(plan.sparsity).toMatchObject({ pattern: 'unstructured', criterion: 'taylor' });
  expect(text).not.toMatch(/refit|whiten|dataAware/);
});
