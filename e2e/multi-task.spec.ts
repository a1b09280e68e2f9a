// A model with two outputs (tools/fixtures/models/multi-task.onnx: class logits + a dense 28×28
// reconstruction): the Model tab lists both outputs with their detected tasks, Taylor scores each
// output's loss and the Heatmaps tab shows a heatmap per task plus which task holds each kept channel,
// validation measures each output in its task's terms (class agreement/KL, dense MSE/PSNR), and an
// overridden task kind reaches the worker's validation; sensitivity draws a chart per output; the
// HTML report lists the outputs with their tasks, a validation row and a sensitivity chart per output.
import { readFileSync } from 'node:fs';
import { expect, test } from './helpers/test';
import { ArchitecturePage } from './pages/architecture';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const FIXTURE = 'tools/fixtures/models/multi-task.onnx';

test('multi-task model: outputs and tasks, per-task heatmaps, per-output validation', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);

  // Outputs and their detected tasks.
  await page.getByRole('tab', { name: 'Model' }).click();
  const tasks = page.getByTestId('output-tasks');
  await expect(tasks).toBeVisible();
  await expect(page.getByLabel('Task of output logits')).toHaveValue('class');
  await expect(page.getByLabel('Task of output reconstruction')).toHaveValue('dense');
  await expect(tasks).toContainText('detected: dense');
  await studio.screenshot('outputs-and-tasks');

  // Half of every group, then Taylor: a heatmap per task and the "kept because of" strip.
  await panels.setGlobalUniform(50);
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.criterion.selectOption('taylor');
  const taskHeatmaps = page.getByTestId('task-heatmaps');
  await expect(taskHeatmaps).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('task-heatmap-logits')).toContainText('classification');
  await expect(page.getByTestId('task-heatmap-reconstruction')).toContainText('dense regression');
  await expect(page.getByTestId('task-heatmap-logits').getByTestId('channel-heatmap')).toBeVisible();
  const legend = page.getByTestId('kept-because-of-legend');
  await expect(legend).toContainText(/logits \(classification\): \d+ of \d+ kept/);
  await expect(legend).toContainText(/reconstruction \(dense regression\): \d+ of \d+ kept/);
  // Every kept channel is held by exactly one task: the counts add up to the kept channels.
  const counts = (await legend.locator('li b').allInnerTexts()).map(Number);
  const kept = Number(/of (\d+) kept/.exec(await legend.innerText())![1]);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(kept);
  await page.getByTestId('kept-because-of').focus();
  await expect(page.getByTestId('kept-because-of')).toBeFocused();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByTestId('task-heatmaps').scrollIntoViewIfNeeded();
  await studio.screenshot('per-task-heatmaps');

  // Validation: one row per output with its task's measures.
  await panels.validateOnBundledSamples();
  const logitsRow = page.getByTestId('output-row-logits');
  const reconRow = page.getByTestId('output-row-reconstruction');
  await expect(logitsRow).toHaveAttribute('data-task', 'class');
  await expect(logitsRow).toContainText(/agreement \d+(\.\d+)? %/);
  await expect(logitsRow).toContainText(/KL \d/);
  await expect(reconRow).toHaveAttribute('data-task', 'dense');
  await expect(reconRow.locator('[data-measure="MSE"]')).toContainText(/MSE \d/);
  await expect(reconRow.locator('[data-measure="PSNR"]')).toContainText(/PSNR \d+(\.\d+)? dB/);
  await page.getByTestId('output-results').scrollIntoViewIfNeeded();
  await studio.screenshot('per-output-validation');

  // Sensitivity: a chart per output, in its task's measure.
  await panels.openTab('Sensitivity');
  await page.getByRole('button', { name: 'Run sensitivity' }).click();
  await expect(page.getByTestId('sensitivity-output-logits')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('sensitivity-output-reconstruction')).toContainText('dense regression');
  await expect(page.getByTestId('sensitivity-output-reconstruction').getByTestId('line-chart').locator('[data-series]').first()).toBeVisible();
  await page.getByTestId('sensitivity-output-logits').scrollIntoViewIfNeeded();
  await studio.screenshot('per-output-sensitivity');

  // The report has the per-task views: both outputs with their tasks, a validation row per output
  // in its task's measures, and a sensitivity chart per output (escaped, inline SVG, no scripts).
  await new ArchitecturePage(page).open();
  const html = readFileSync(await (await new ArchitecturePage(page).download('Download report')).path(), 'utf8');
  expect(html).not.toMatch(/https?:|<script|\s(src|href)=/i);
  const report = await page.context().newPage();
  await report.setContent(html);
  await expect(report.getByTestId('report-outputs').locator('tr[data-output="logits"]')).toContainText('classification');
  await expect(report.getByTestId('report-outputs').locator('tr[data-output="reconstruction"]')).toContainText('dense regression');
  const outputRows = report.getByTestId('report-output-validation');
  await expect(outputRows.locator('tr[data-output="logits"]')).toContainText(/agreement \d+(\.\d+)? %/);
  await expect(outputRows.locator('tr[data-output="reconstruction"]')).toContainText(/MSE \d.*PSNR \d+(\.\d+)? dB/);
  await expect(report.getByTestId('report-sensitivity-output')).toHaveCount(2);
  await expect(report.locator('[data-testid="report-sensitivity-output"][data-output="reconstruction"]')).toContainText('dense regression');
  await report.setViewportSize({ width: 1280, height: 1800 });
  await report.locator('#outputs').scrollIntoViewIfNeeded();
  await report.screenshot({ path: testInfo.outputPath('multi-task-report.png'), fullPage: true });
  await report.close();

  // Overriding a task reaches the worker: logits measured as a dense output.
  await page.getByRole('tab', { name: 'Model' }).click();
  await page.getByLabel('Task of output logits').selectOption('dense');
  await expect(page.getByLabel('Task of output logits')).toHaveValue('dense');
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  await expect(logitsRow).toHaveAttribute('data-task', 'dense', { timeout: 90_000 });
  await expect(logitsRow.locator('[data-measure="MSE"]')).toBeVisible();
});

test('segmentation model: its task in the Model tab, pixel accuracy and mIoU in validation', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel('tools/fixtures/models/segmentation.onnx');
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByTestId('output-tasks')).toContainText('detected: segmentation');
  await panels.setGlobalUniform(50);
  await panels.validateOnBundledSamples();
  const row = page.getByTestId('output-row-output');
  await expect(row).toHaveAttribute('data-task', 'segmentation');
  await expect(row.locator('[data-measure="pixel accuracy"]')).toContainText(/\d+(\.\d+)? %/);
  await expect(row.locator('[data-measure="mIoU"]')).toContainText(/\d+(\.\d+)? %/);
  await page.getByTestId('output-results').scrollIntoViewIfNeeded();
  await studio.screenshot('segmentation-validation');
});
