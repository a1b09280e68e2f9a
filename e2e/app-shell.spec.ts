import { test, expect } from '@playwright/test';
import path from 'node:path';

test('opens an ONNX fixture and shows its summary', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Prune Studio' })).toBeVisible();
  await page.getByLabel('Open ONNX model').setInputFiles(path.resolve('tools/fixtures/models/tiny-conv.onnx'));
  await expect(page.getByTestId('node-count')).toHaveText('1');
});

test('a non-ONNX file shows an actionable error', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Open ONNX model').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"modelTopology":{}}') });
  await expect(page.getByRole('alert')).toContainText('notes.json');
});
