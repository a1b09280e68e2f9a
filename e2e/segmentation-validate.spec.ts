// A segmentation model (tools/fixtures/models/segmentation.onnx: 4 classes per pixel) is validated
// in its own task's terms: the Validate tab shows pixel accuracy and mIoU — against the unpruned
// model's masks when the images have no label masks, against NAME.mask.png when they are picked with
// the images, saying which — and none of the classifier's widgets (top-1 accuracy, confusion matrix,
// per-image class predictions); the Trade-offs sweep plots mIoU, and the report says the same.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { expect, test } from './helpers/test';
import { ArchitecturePage } from './pages/architecture';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const FIXTURE = 'tools/fixtures/models/segmentation.onnx';

/** A 32×32 RGB image of quadrants of different brightness, and its label mask (class = quadrant, 8-bit grayscale). */
function imageAndMask(seed: number): { image: Buffer; mask: Buffer } {
  const image = new PNG({ width: 32, height: 32 });
  const mask = new PNG({ width: 32, height: 32, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const q = (y < 16 ? 0 : 2) + (x < 16 ? 0 : 1);
      const p = (y * 32 + x) * 4;
      const v = (q * 60 + seed * 17 + ((x * y) % 23)) % 256;
      image.data[p] = v;
      image.data[p + 1] = (v + 40 * seed) % 256;
      image.data[p + 2] = 255 - v;
      image.data[p + 3] = 255;
      mask.data[y * 32 + x] = q;
    }
  }
  return { image: PNG.sync.write(image), mask: PNG.sync.write(mask, { colorType: 0, inputColorType: 0, inputHasAlpha: false }) };
}

test.use({ viewport: { width: 1400, height: 1400 } });

test('segmentation model: Validate speaks pixel accuracy and mIoU (vs unpruned masks, then label masks), no classifier widgets; sweep plots mIoU', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);
  await panels.setGlobalUniform(50);

  // Before any image: the hint names label masks, not class folders.
  await panels.openTab('Validate');
  await expect(page.getByTestId('image-source')).toContainText('NAME.mask.png');
  await expect(page.getByTestId('image-source')).not.toContainText('class sub-folders');

  // The bundled samples have class labels only: measured against the unpruned model's masks, said so.
  await panels.validateOnBundledSamples();
  await expect(page.getByTestId('image-source')).toContainText('class labels do not apply to segmentation');
  const results = panels.validationResults;
  await expect(results).toHaveAttribute('data-task', 'segmentation');
  await expect(results.locator('[data-measure="Pixel accuracy"]')).toContainText(/100\.0 %\s*\d+(\.\d+)? %/);
  await expect(results.locator('[data-measure="mIoU"]')).toContainText(/100\.0 %\s*\d+(\.\d+)? %/);
  await expect(results.getByTestId('accuracy-row')).toHaveCount(0);
  await expect(results).not.toContainText(/Agreement \(top-1\)|KL\(original/);
  await expect(page.getByTestId('confusion-matrix')).toHaveCount(0);
  await expect(page.getByTestId('predictions')).toHaveCount(0);
  await expect(page.getByTestId('measured-against')).toContainText("against the unpruned model's masks (no label masks given)");
  await results.scrollIntoViewIfNeeded();
  await studio.screenshot('segmentation-vs-unpruned-masks');

  // Images picked with their label masks: scored against them; the unpruned model gets its own score.
  const files = [0, 1, 2, 3].flatMap((i) => {
    const { image, mask } = imageAndMask(i);
    return [{ name: `scene${i}.png`, mimeType: 'image/png', buffer: image }, { name: `scene${i}.mask.png`, mimeType: 'image/png', buffer: mask }];
  });
  await page.getByLabel('Upload images', { exact: true }).setInputFiles(files);
  await expect(page.getByTestId('image-source')).toHaveText('4 uploaded images, 4 with label masks');
  await panels.validateButton().click();
  await expect(page.getByTestId('measured-against')).toContainText('against label masks (4 images)', { timeout: 90_000 });
  // Against labels the unpruned model is not 100 % by definition (a random-weight fixture: far from it).
  const [originalMiou, prunedMiou] = (await results.locator('[data-measure="mIoU"]').getByRole('cell').allInnerTexts()).slice(1);
  expect(originalMiou).toMatch(/^\d+(\.\d+)? %$/);
  expect(originalMiou).not.toBe('100.0 %');
  expect(prunedMiou).toMatch(/^\d+(\.\d+)? %$/);
  await expect(page.getByTestId('output-row-output').locator('[data-measure="mIoU"]')).toHaveAttribute('title', /against label masks \(4 images\)/);
  await results.scrollIntoViewIfNeeded();
  await studio.screenshot('segmentation-vs-label-masks');

  // Trade-offs: one target, plotted as mIoU against the label masks (not accuracy or class agreement).
  await page.getByRole('tab', { name: 'Trade-offs' }).click();
  await expect(page.getByText(/plots mIoU \(against label masks/)).toBeVisible();
  await page.getByLabel('MACs targets, percent kept').fill('50');
  await page.getByRole('button', { name: 'Run sweep', exact: true }).click();
  await page.getByTestId('sweep-summary').waitFor({ timeout: 120_000 });
  const chart = page.getByTestId('tradeoffs-chart');
  await expect(chart.getByRole('group', { name: /^Trade-offs: mIoU against MACs kept, 1 points/ })).toBeVisible();
  await expect(chart).toContainText('mIoU against label masks (4 images) (higher is better)');
  await expect(chart.getByRole('button', { name: /of MACs, mIoU \d/ })).toHaveCount(1);
  await chart.scrollIntoViewIfNeeded();
  await studio.screenshot('segmentation-tradeoffs');

  // The report says the same: no class accuracy, pixel accuracy and mIoU against the label masks.
  const arch = new ArchitecturePage(page);
  await arch.open();
  const html = readFileSync(await (await arch.download('Download report')).path(), 'utf8');
  expect(html).not.toMatch(/https?:|<script|\s(src|href)=/i);
  expect(html).not.toMatch(/<td>Accuracy<\/td>|Agreement \(top-1\)/);
  expect(html).toContain(`<tr><td>mIoU</td><td>${originalMiou}</td><td>${prunedMiou}</td></tr>`);
  expect(html).toContain('against label masks (4 images)');
  expect(html).toMatch(/<tr data-output="output"><td class="name">output<\/td><td class="name">[^<]+<\/td><td>segmentation<\/td>/);
  expect(html).toContain('<th>mIoU</th>');
});
