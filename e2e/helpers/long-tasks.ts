// Long-task measurement for specs: a PerformanceObserver('longtask') installed before the page
// loads collects every main-thread task over 50 ms, so a spec can assert the page stayed responsive.
import type { Page } from '@playwright/test';

declare global {
  interface Window {
    __longTasks?: { start: number; duration: number }[];
  }
}

/** Starts collecting long tasks in every document the page opens; call before page.goto. */
export async function installLongTaskObserver(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks!.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Forgets the long tasks so far (e.g. those of the initial page load). */
export async function resetLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.__longTasks = [];
  });
}

/** Long tasks since the last reset, longest first. */
export async function readLongTasks(page: Page): Promise<{ start: number; duration: number }[]> {
  const tasks = await page.evaluate(() => window.__longTasks ?? []);
  return [...tasks].sort((a, b) => b.duration - a.duration);
}
