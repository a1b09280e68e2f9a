// PAGCP task budgets in the studio (as the CLI's --task-budget): on the two-task fixture, after a
// sensitivity run the sensitivity → MACs target control offers a budget per output in its task's
// measure; a tight reconstruction budget stops the pruning before the MACs target, the plan within
// it is applied, each output's predicted drop is shown against its budget and a note says which
// budget binds. A budget that is not a positive number holds Apply back; loose budgets meet the target.
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

/** The two-task fixture opened, on its Sensitivity tab. */
async function openTwoTaskSensitivity(page: Page, testInfo: TestInfo): Promise<{ studio: StudioPage; panels: PanelsPage }> {
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel('tools/fixtures/models/multi-task.onnx');
  await panels.openTab('Sensitivity');
  return { studio, panels };
}

test('task budgets: a tight reconstruction budget binds before the MACs target and says so', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const { studio, panels } = await openTwoTaskSensitivity(page, testInfo);
  await panels.runSensitivityButton().click();
  await expect(page.getByTestId('sensitivity-output-reconstruction')).toBeVisible({ timeout: 180_000 });

  await panels.openTab('Ratios');
  await page.getByLabel('Global mode').selectOption('sensitivity');
  const budgets = page.getByTestId('task-budgets');
  await expect(budgets).toContainText('1 − R²');
  await expect(page.getByLabel('Task budget for logits')).toHaveValue('');
  const reconstruction = page.getByLabel('Task budget for reconstruction');
  const apply = page.getByRole('button', { name: 'Apply', exact: true });

  await reconstruction.fill('-1');
  await expect(apply).toBeDisabled();
  await reconstruction.fill('0.03');
  await expect(apply).toBeEnabled();
  await page.getByLabel('Global target').fill('0.7');
  await apply.click();

  const readout = page.getByTestId('task-budget-readout');
  await expect(page.getByTestId('task-budget-reconstruction')).toContainText(/reconstruction: predicted drop 0\.0[0-3]\d* of budget 0\.03 \(1 − R²\)/);
  await expect(page.getByTestId('task-budget-logits')).toHaveCount(0); // no budget, no row
  const binds = page.getByTestId('task-budget-binds');
  await expect(binds).toContainText(/The reconstruction budget binds before the MACs target \(−70 %\): kept \d+\.\d % of MACs; raise its budget to go further/);
  const kept = Number(/kept (\d+\.\d) %/.exec(await binds.innerText())![1]);
  expect(kept).toBeGreaterThan(30);
  expect(kept).toBeLessThan(100);
  // The applied plan is the budget-limited one: the cost read-out keeps that share of the MACs.
  await expect(page.getByRole('alert')).toHaveCount(0);
  const macs = panels.planCost.getByRole('row', { name: /MACs/ });
  await expect.poll(async () => Number(/−(\d+\.\d) %/.exec(await macs.innerText())?.[1])).toBeCloseTo(100 - kept, 0);
  await budgets.scrollIntoViewIfNeeded();
  await studio.screenshot('task-budget-binds');

  // A slider move makes the read-out stale: it goes.
  await page.getByRole('slider', { name: /^Pruning ratio of / }).first().fill('0.37');
  await expect(readout).toHaveCount(0);

  // Loose budgets on both outputs: the target is met, each drop within its budget.
  await page.getByLabel('Task budget for logits').fill('100');
  await reconstruction.fill('100');
  await page.getByLabel('Global target').fill('0.4');
  await apply.click();
  await expect(readout).toContainText(/Every output within its budget; the MACs target is met \(\d+\.\d % of MACs kept\)/);
  await expect(page.getByTestId('task-budget-logits')).toContainText(/predicted drop [\d.e-]+ of budget 100 \(agreement\)/);
  await expect(binds).toHaveCount(0);
});

test('recovery-aware curves: measured after least squares, captioned, and named where the allocation uses them', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const { studio, panels } = await openTwoTaskSensitivity(page, testInfo);
  const afterLsq = page.getByLabel('Measure each point after least squares');
  await expect(afterLsq).not.toBeChecked();
  await afterLsq.check();
  await panels.runSensitivityButton().click();
  const caption = page.getByTestId('sensitivity-recovery');
  await expect(caption).toContainText('Curves after least squares', { timeout: 240_000 });
  await expect(page.getByTestId('sensitivity-output-reconstruction')).toBeVisible();
  await studio.screenshot('sensitivity-after-lsq');

  await panels.openTab('Ratios');
  await page.getByLabel('Global mode').selectOption('sensitivity');
  const readout = page.getByTestId('allocation-curves');
  await expect(readout).toContainText('curves after least squares');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await readout.scrollIntoViewIfNeeded();
  await studio.screenshot('ratios-curves-after-lsq');
});
