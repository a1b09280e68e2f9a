// One job lifecycle in the studio: a cancelled job stays cancelled (no late progress flips its
// panel back to "running"), and opening another model cancels the old model's jobs and starts
// every per-model panel clean (no old curves, validation table, export status or sensitivity mode).
import type { Locator, Page } from '@playwright/test';
import { expectCommitted } from './helpers/committed';
import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const OTHER_MODEL = 'public/models/fmnist-vgg.onnx';

/** Expects `button` to be enabled within a second of a cancel, and still enabled seconds later. */
async function expectStaysCancelled(page: Page, panels: PanelsPage, run: Locator, progress: string): Promise<void> {
  await expect(run).toBeEnabled({ timeout: 1_000 });
  await expect(page.getByText('Cancelled.', { exact: true })).toBeVisible();
  // Progress the worker posted before it saw the cancel arrives late: it must not bring "running" back.
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(500);
    await expect(run).toBeEnabled({ timeout: 50 });
    await expect(page.getByLabel(progress)).toHaveCount(0);
    await expect(panels.cancelButton()).toHaveCount(0);
  }
}

test('Cancel ends sensitivity and validation runs for good', async ({ page }, testInfo) => {
  expectCommitted('public/models/index.json');
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();

  await panels.startSensitivity('standard');
  await panels.cancelButton().click();
  await expectStaysCancelled(page, panels, panels.runSensitivityButton(), 'Sensitivity progress');
  await expect(page.getByTestId('line-chart')).toHaveCount(0);
  await studio.screenshot('sensitivity-cancelled');

  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Use bundled samples' }).click();
  await expect(page.getByTestId('image-source')).toContainText('bundled samples');
  await panels.validateButton().click();
  await expect(page.getByRole('status').filter({ hasText: /Compared \d+\/\d+ images/ })).toBeVisible({ timeout: 60_000 });
  await panels.cancelButton().click();
  await expectStaysCancelled(page, panels, panels.validateButton(), 'Validation progress');
  await expect(panels.validationResults).toHaveCount(0);

  // The worker is free again: a new run starts and ends normally.
  await panels.validateButton().click();
  await expect(panels.validationResults).toBeVisible({ timeout: 90_000 });
});

test('opening another model clears every per-model panel', async ({ page }, testInfo) => {
  expectCommitted('public/models/index.json');
  expectCommitted(OTHER_MODEL);
  test.setTimeout(300_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();

  // Results for the first model in every per-model panel.
  await panels.openTab('Sensitivity');
  await panels.runSensitivityButton().click();
  await expect(page.getByTestId('line-chart')).toBeVisible({ timeout: 180_000 });
  await panels.openTab('Ratios');
  await expect(panels.sensitivityModeOption()).toBeEnabled();
  await page.getByLabel('Global mode').selectOption('sensitivity');
  await panels.validateOnBundledSamples();
  await panels.downloadPruned();
  await expect(page.getByRole('status').filter({ hasText: /^Saved / })).toBeVisible();
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  const oldGroups = await panels.overviewHeatmap.getByRole('button').allInnerTexts();
  await studio.screenshot('first-model-results');

  await studio.dropPath(OTHER_MODEL);
  await expect(studio.modelName).toContainText('fmnist-vgg');
  await studio.expectGraph();

  await panels.openTab('Sensitivity');
  await expect(page.getByTestId('line-chart')).toHaveCount(0);
  await expect(page.getByLabel('Sensitivity progress')).toHaveCount(0);
  await expect(panels.runSensitivityButton()).toBeEnabled();
  await panels.openTab('Validate');
  await expect(panels.validationResults).toHaveCount(0);
  await expect(panels.activeBackend).toHaveCount(0);
  await panels.openTab('Export');
  await expect(page.getByRole('status').filter({ hasText: /^Saved / })).toHaveCount(0);
  await panels.openTab('Ratios');
  await expect(panels.sensitivityModeOption()).toBeDisabled();
  await expect(page.getByLabel('Global mode')).toHaveValue('uniform');
  // The heatmaps and the cost are the new model's, computed afresh.
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  expect(await panels.overviewHeatmap.getByRole('button').allInnerTexts()).not.toEqual(oldGroups);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await studio.screenshot('second-model-clean');
});

test('opening another model mid-run cancels the old run: the new model loads at once, unpainted', async ({ page }, testInfo) => {
  expectCommitted('public/models/index.json');
  expectCommitted(OTHER_MODEL);
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();

  await panels.startSensitivity('standard');
  const opened = Date.now();
  await studio.dropPath(OTHER_MODEL);
  await expect(studio.modelName).toContainText('fmnist-vgg', { timeout: 15_000 });
  testInfo.annotations.push({ type: 'load during sensitivity', description: `${Date.now() - opened} ms` });
  await panels.openTab('Sensitivity');
  for (let i = 0; i < 6; i++) {
    await expect(page.getByLabel('Sensitivity progress')).toHaveCount(0);
    await expect(page.getByText('Cancelled.', { exact: true })).toHaveCount(0);
    await page.waitForTimeout(500);
  }
  await expect(panels.runSensitivityButton()).toBeEnabled();
  await expect(page.getByTestId('line-chart')).toHaveCount(0);
});
