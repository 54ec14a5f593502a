// Headless Debian Chromium for the report tests, through playwright-core (no browser download).
// CI installs chromium (.ci/run) and a missing one fails there; locally the tests skip with a note.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Call in a `before` hook: throws in CI, skips locally when Chromium is not installed. */
export function requireChromium(context: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install it (.ci/run: apt-get install chromium)`);
  console.log(`      skipped: ${CHROMIUM} is missing (apt-get install chromium to run the browser tests)`);
  context.skip();
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
