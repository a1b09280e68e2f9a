// A vision transformer in the studio (tools/fixtures/models/vit-tiny.onnx, torchvision's ViT class):
// attention-head groups show one heatmap cell per head and their ratio slider moves by whole heads;
// the embedding-width group (through every LayerNorm) says it is normalised across channels; a
// uniform plan cuts heads, MLPs and embedding width, and the graph reads "before → after".
import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const FIXTURE = 'tools/fixtures/models/vit-tiny.onnx';
const HEADS = '/encoder/layers/encoder_layer_0/self_attention/MatMul';
const EMBED = '/conv_proj/Conv';

test('ViT: heads as units, embedding width with LayerNorm statistics, plan on the graph', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);

  // 3 head groups + 3 MLPs + the embedding width are prunable.
  await panels.openTab('Ratios');
  await expect(page.getByRole('heading', { name: /^7 prunable groups/ })).toBeVisible();
  const headSlider = page.getByRole('slider', { name: `Pruning ratio of ${HEADS}` });
  // One head of four per step.
  await expect(headSlider).toHaveAttribute('step', '0.25');
  await headSlider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('listitem').filter({ has: headSlider })).toContainText('25 %');
  await expect(page.getByRole('listitem').filter({ has: headSlider })).toContainText('3/4 heads');
  await expect(page.getByRole('listitem').filter({ has: page.getByRole('slider', { name: `Pruning ratio of ${EMBED}` }) })).toContainText('LN');

  // Heatmap: heads as cells.
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.selectGroup(HEADS);
  await expect(page.getByRole('heading', { name: /32 channels in 4 heads of 8, 25 % pruned/ })).toBeVisible();
  await expect(page.getByRole('img', { name: `Head importance of ${HEADS}: 4 heads, 1 pruned` })).toBeVisible();
  await studio.screenshot('vit-head-heatmap');
  await panels.selectGroup(EMBED);
  await expect(page.getByTestId('channel-statistics-note')).toContainText('Normalised across channels');
  await expect(page.getByRole('img', { name: new RegExp(`^Channel importance of ${EMBED}: 32 channels`) })).toBeVisible();

  // A uniform 50 % plan: the patch embedding and the first block's projections get thinner on the graph.
  await panels.setGlobalUniform(50);
  await expect(panels.planCost).toContainText('MACs');
  await expect(page.locator('[aria-label*="32 → 16 channels"][aria-label$="/conv_proj/Conv"]')).toBeAttached();
  await studio.screenshot('vit-plan');
  await panels.validateOnBundledSamples();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('dynamic H/W (Swin): MACs are a lower bound until the user gives the input size', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.openModel('src/core/graph/test-data/tiny-swin.onnx');
  await page.getByRole('tab', { name: 'Model' }).click();
  const summary = page.getByTestId('model-summary');
  await expect(summary).toContainText(/MACs \/ sample\s*≥/);
  await page.getByLabel('Input size for MACs').fill('1,3,40');
  await page.getByRole('button', { name: 'Count MACs' }).click();
  await expect(page.getByTestId('input-size').getByRole('status')).toContainText('has 4 dimensions; 3 were given');
  await page.getByLabel('Input size for MACs').fill('1,3,40,56');
  await page.getByRole('button', { name: 'Count MACs' }).click();
  await expect(page.getByTestId('input-size').getByRole('status')).toContainText('MACs counted at 1×3×40×56');
  await expect(summary).not.toContainText('≥');
  await expect(page.getByTestId('input-size')).toContainText('MACs are counted at 1×3×40×56');
  await studio.screenshot('input-size');
  await page.getByRole('button', { name: 'Declared shape' }).click();
  await expect(summary).toContainText(/MACs \/ sample\s*≥/);
});
