// The plan on the graph, as a teacher shows it on a projector (1920×1080): the demo's nodes show
// their channels, a 50 % uniform plan turns them into "N → M" without moving the layout, barriers
// say why, the colour modes paint what the plan removes and where the importance is, and clicking
// a node selects its group in the Ratios list and back. The main thread stays under 100 ms.
import { expectCommitted } from './helpers/committed';
import { installLongTaskObserver, readLongTasks, resetLongTasks } from './helpers/long-tasks';
import { expect, test } from './helpers/test';
import { GraphPlanPage } from './pages/graph-plan';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const STEM = '/stem/stem.0/Conv';
const CONV = '/stages/stages.1/conv1/conv1.0/Conv';

test.use({ viewport: { width: 1920, height: 1080 } });

test('demo → channels on the graph → 50 % uniform → "N → M", colour modes, barriers, selection both ways', async ({ page }, testInfo) => {
  expectCommitted('public/models/index.json');
  test.setTimeout(180_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  const plan = new GraphPlanPage(page, studio);
  await installLongTaskObserver(page);

  await studio.goto({ demo: true });
  await studio.expectGraph();
  await panels.openTab('Ratios');
  // Groups analysed: every prunable node reads its channels, the classifier is a barrier.
  await expect(plan.channelText(STEM)).toHaveText('16 ch');
  await expect(studio.node(STEM)).toHaveAttribute('aria-label', `Conv 16 channels ${STEM}`);
  await expect(studio.node('/fc/Gemm')).toHaveClass(/\bbarrier\b/);
  await expect(studio.node('/fc/Gemm').locator('title')).toContainText('barrier: model output (class channels)');
  await expect(plan.legend).toContainText('barrier');
  const boxBefore = await studio.node(CONV).boundingBox();
  await studio.screenshot('channels-before-plan');

  await resetLongTasks(page);
  await panels.setGlobalUniform(50);
  await expect(plan.channelText(STEM)).toHaveText('16 → 8');
  await expect(studio.node(STEM)).toHaveAttribute('aria-label', `Conv 16 → 8 channels ${STEM}`);
  const boxAfter = await studio.node(CONV).boundingBox();
  await expect(studio.node(CONV)).toHaveAttribute('aria-label', /^Conv 32 → 16 channels /);
  const texts = await plan.allChannelTexts();
  expect(texts.filter((t) => /^\d+ → \d+$/.test(t)).length).toBeGreaterThan(5);
  for (const t of texts.filter((x) => x.includes('→'))) {
    const [before, after] = t.split(' → ').map(Number);
    expect(after, t).toBe(before! / 2);
  }
  // The barrier keeps its channels and says so plainly.
  await expect(plan.channelText('/fc/Gemm')).toHaveText('10 ch');
  // No re-layout: the box did not move.
  expect(boxAfter).toEqual(boxBefore);
  // Edges are as wide as the channels they carry.
  const widths = await plan.edgeWidths();
  expect(Math.max(...widths)).toBeGreaterThan(Math.min(...widths) + 1);
  await studio.screenshot('plan-50-whole-graph');
  // Closer, as on a projector: the search centres the graph on a layer at a readable scale.
  await studio.searchAndPick(CONV);
  await page.keyboard.press('Escape');
  await studio.screenshot('plan-50-on-graph');

  await plan.colourBy('fraction removed');
  await expect(plan.legend).toContainText('Channels removed by the plan');
  await expect(plan.legend).toContainText('0 %');
  const removedFill = await plan.fillOf(STEM);
  expect(removedFill).toMatch(/^rgb/);
  expect(removedFill).not.toBe(await plan.fillOf('/fc/Gemm'));
  await studio.screenshot('colour-fraction-removed');

  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await plan.colourBy('mean importance');
  await expect(plan.legend).toContainText('Mean channel importance');
  expect(await plan.fillOf(STEM)).not.toBe(await plan.fillOf(CONV));
  await studio.screenshot('colour-mean-importance');
  await plan.colourBy('sensitivity');
  await expect(plan.legend).toContainText('run the Sensitivity tab');
  await plan.colourBy('op type');
  await expect(page.getByRole('list', { name: 'Colour legend' })).toContainText('Convolution');

  // Graph → Ratios: clicking a box selects its group's row; Ratios → graph: a row highlights the group.
  await panels.openTab('Ratios');
  await studio.searchAndPick(CONV);
  await page.keyboard.press('Escape');
  await studio.clickNode(CONV);
  await expect(plan.ratioRow(CONV)).toHaveAttribute('aria-current', 'true');
  await plan.ratioRow(STEM).getByRole('button', { name: STEM, exact: true }).click();
  await expect(studio.node(STEM)).toHaveClass(/\bin-group\b/);
  // Long names are cut in the middle: the distinguishing tail stays visible, the full name on hover.
  const name = plan.ratioRow(CONV).locator('.middle-ellipsis');
  await expect(name).toHaveAttribute('title', CONV);
  await expect(name.locator('.middle-ellipsis-tail')).toBeVisible();
  await expect(name.locator('.middle-ellipsis-tail')).toHaveText('/conv1.0/Conv');
  await expect(name).toContainText('/stages.1');
  await studio.screenshot('selection-synced');

  const blocked = (await readLongTasks(page)).filter((t) => t.duration > 100);
  expect(blocked, 'main-thread tasks over 100 ms while planning on the graph').toEqual([]);
});
