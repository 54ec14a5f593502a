// Headless Debian Chromium for the report tests, through playwright-core (no browser download).
// CI installs chromium (.ci/run) and a missing one fails there; locally the tests skip with a note
// (test/requirements.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { requireSystem } from './requirements.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Call in a `before` hook: throws in CI, skips locally when Chromium is not installed. */
export function requireChromium(context: Mocha.Context): void {
  requireSystem(context, `Chromium at ${CHROMIUM} for the browser tests`, existsSync(CHROMIUM), 'apt-get install chromium');
}

/** A browser with a fresh profile and no background traffic; close() also removes the profile. */
export async function launch(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'trainyard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
