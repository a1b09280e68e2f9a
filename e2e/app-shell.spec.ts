import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

test('opens an ONNX fixture and shows its summary', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFiles('tools/fixtures/models/tiny-conv.onnx');
  await expect(studio.modelName).toHaveText('tiny-conv.onnx');
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByTestId('node-count')).toHaveText('1');
  await studio.screenshot('tiny-conv-summary');
});

test('a non-ONNX file shows an actionable error dialog and the previous model stays', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFiles('e2e/fixtures/small-cnn.onnx');
  await studio.expectGraph();

  await studio.dropFile('notes.json', Buffer.from('{"modelTopology":{}}'), 'application/json');
  await expect(studio.errorDialog).toBeVisible();
  await expect(studio.errorDialog).toContainText('notes.json');
  await expect(studio.errorDialog).toContainText('What to do');
  await studio.screenshot('error-dialog');

  await studio.errorDialog.getByRole('button', { name: 'OK' }).click();
  await expect(studio.errorDialog).toBeHidden();
  await expect(studio.modelName).toHaveText('small-cnn.onnx');
  await studio.expectGraph();
  await studio.screenshot('after-error-still-usable');

  // Still usable: another model opens normally.
  await studio.openFiles('tools/fixtures/models/tiny-conv.onnx');
  await expect(studio.modelName).toHaveText('tiny-conv.onnx');
});

test('a model with external data asks for its side file, and opens with it', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  const onnx = 'src/core/onnx/test-data/external.onnx';
  await studio.openFiles(onnx);
  await expect(studio.errorDialog).toContainText('external.onnx.data');
  await expect(studio.errorDialog).toContainText('together');
  await studio.screenshot('missing-external-data');
  await page.keyboard.press('Escape');
  await expect(studio.errorDialog).toBeHidden();

  await studio.openFiles(onnx, `${onnx}.data`);
  await expect(studio.modelName).toHaveText('external.onnx');
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(studio.modelSummary).toContainText('external.onnx.data');

  // Its sessions get the weights inline: validating once failed with onnxruntime-web's
  // "Failed to load external data file" (the file names its side file, which a page session cannot reach).
  const panels = new PanelsPage(page);
  await panels.validateOnBundledSamples();
  await expect(panels.validationResults).toContainText('Latency / image');
});
