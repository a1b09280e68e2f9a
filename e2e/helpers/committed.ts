// Files the specs need that are committed to the repository (demo models, samples, fixtures).
// A missing one is a broken checkout or build, not a reason to skip: the test fails and says which.
import { existsSync } from 'node:fs';
import { expect } from '@playwright/test';

/** Fails the test when `path` (relative to the repository root) is missing. */
export function expectCommitted(path: string): void {
  expect(existsSync(path), `${path} is committed to the repository but missing here: restore it (git status)`).toBe(true);
}
