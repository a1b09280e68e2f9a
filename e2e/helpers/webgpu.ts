// What the WebGPU specs share: Chromium launched so that it offers a WebGPU adapter, the page's
// own view of whether it has one, and a small labelled subset of the bundled samples (SwiftShader
// WebGPU runs on the CPU, ~0.5 s per image on a loaded 2-core machine, so all 300 would take minutes).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import type { StudioPage } from '../pages/studio-page';

/**
 * The config's list minus --disable-gpu (which removes the WebGPU adapter); --headless=new is the
 * headless mode that exposes navigator.gpu (it wins over Playwright's own --headless). Headless
 * Debian Chromium then offers SwiftShader's adapter (on the CPU: correct, slow).
 */
export const webGpuLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/** Whether the page itself gets a WebGPU adapter: it decides which outcome the panels must show. */
function pageHasWebGpuAdapter(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return !!gpu && !!(await gpu.requestAdapter());
  });
}

/** Copies the first `perClass` bundled test samples of each class into `<dir>/<label>/` (a folder the Validate tab labels by sub-folder). */
export function labelledSubset(dir: string, perClass: number): number {
  const index = JSON.parse(readFileSync('public/samples/index.json', 'utf8')) as { test: { file: string; label: number }[] };
  const taken = new Map<number, number>();
  for (const { file, label } of index.test) {
    if ((taken.get(label) ?? 0) >= perClass) continue;
    taken.set(label, (taken.get(label) ?? 0) + 1);
    mkdirSync(path.join(dir, String(label)), { recursive: true });
    copyFileSync(path.join('public/samples', file), path.join(dir, String(label), path.basename(file)));
  }
  return [...taken.values()].reduce((a, b) => a + b, 0);
}

/**
 * Opens the demo (or `file`), waits for its graph and returns whether the page has a WebGPU adapter
 * (annotated on the test): the adapter decides which outcome the panels must show.
 */
export async function openWithAdapter(page: Page, studio: StudioPage, testInfo: TestInfo, file?: string): Promise<boolean> {
  if (file) {
    await studio.goto();
    await studio.openFiles(file);
  } else {
    await studio.goto({ demo: true });
  }
  await studio.expectGraph();
  const adapter = await pageHasWebGpuAdapter(page);
  testInfo.annotations.push({ type: 'webgpu-adapter', description: String(adapter) });
  return adapter;
}
