// The Playwright `test` every spec uses: it fails any test whose page requests another origin
// (the studio must work offline and never send a model anywhere).
import { test as base, expect } from '@playwright/test';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for URLs the page may load: its own server, and in-page data/blob URLs. */
export function isLocalUrl(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return LOCAL_HOSTS.has(u.hostname);
}

export const test = base.extend<{ externalRequests: string[] }>({
  externalRequests: [
    async ({ context }, use) => {
      const external: string[] = [];
      // Context-level routing also sees worker requests.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (isLocalUrl(url)) return route.continue();
        external.push(url);
        return route.abort('blockedbyclient');
      });
      await use(external);
      expect(external, 'the page must not make requests outside its own origin').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
