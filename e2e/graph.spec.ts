import { expect, test } from './helpers/test';
import { installLongTaskObserver, readLongTasks, resetLongTasks } from './helpers/long-tasks';
import { StudioPage } from './pages/studio-page';

const FIXTURE = 'e2e/fixtures/small-cnn.onnx';

test('open a model → graph → search and select a node → properties', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.screenshot('empty');
  await studio.dropPath(FIXTURE);
  await studio.expectGraph();
  await expect(studio.minimap).toBeVisible();
  await expect(page.getByRole('list', { name: 'Colour legend' })).toContainText('Convolution');
  await studio.screenshot('graph');

  await studio.searchAndPick('Gemm');
  await expect(studio.nodeProperties).toBeVisible();
  await expect(studio.nodeProperties).toContainText('Gemm');
  await expect(studio.nodeProperties.getByTestId('node-params')).toHaveText('330');
  await expect(studio.nodeProperties).toContainText('fc.weight');
  await expect(studio.node('/fc/Gemm')).toHaveAttribute('aria-pressed', 'true');
  await studio.screenshot('gemm-selected');

  // Clicking a box selects it too (after fitting the whole graph with f).
  await page.keyboard.press('Escape');
  await studio.fit();
  await studio.clickNode('/Concat');
  await expect(studio.nodeProperties).toContainText('Concat');
  await expect(studio.nodeProperties).toContainText('axis');
  await studio.screenshot('fit-concat-selected');

  // The theme toggle (screenshot of the dark theme for projector checks).
  await page.getByRole('button', { name: /^Theme:/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await studio.screenshot('dark-theme');
});

test('the main thread is never blocked for more than 100 ms while a model loads', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await installLongTaskObserver(page);
  await studio.goto();
  await resetLongTasks(page);
  await studio.openFiles(FIXTURE);
  await studio.expectGraph();
  const tasks = await readLongTasks(page);
  expect(tasks[0]?.duration ?? 0, `long tasks: ${JSON.stringify(tasks)}`).toBeLessThanOrEqual(100);
});

test('the bundled demo opens on first start', async ({ page, request }, testInfo) => {
  // The demo models are committed (public/models): the built studio must serve their index.
  const index = await request.get('/models/index.json');
  expect(index.ok(), '/models/index.json is not served: the build lacks the committed demo models').toBe(true);
  expect(index.headers()['content-type'] ?? '').toContain('json');
  const studio = new StudioPage(page, testInfo);
  await studio.goto({ demo: true });
  await studio.expectGraph();
  await page.getByRole('tab', { name: 'Model' }).click();
  await expect(page.getByTestId('model-card')).toBeVisible();
  await studio.screenshot('demo');
});

test('projector size (1920×1080): graph, legend and properties all readable', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFiles(FIXTURE);
  await studio.expectGraph();
  await studio.searchAndPick('/head/Conv');
  await expect(studio.nodeProperties).toContainText('kernel_shape');
  const fontSize = await page.locator('body').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(fontSize).toBeGreaterThanOrEqual(16);
  await studio.screenshot('projector-1920');
});
