// report.html as a person opens it: headless Chromium, every request that is not the file itself
// (or a data: URL) recorded and refused, no console errors, every chart drawn by vega-embed,
// tooltips on hover and a legend click that hides a series. Keeps a screenshot in test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { colorMap } from '../../src/reporters/colors.js';
import { buildReport } from '../../src/reporters/report.js';
import { launch, requireChromium } from '../browser.js';
import { fromRoot } from '../config/support.js';
import { makeTempDir } from '../run-helpers.js';
import { NAMES, writeFixtureRun } from './fixture-run.js';

const CHARTS = ['train-loss', 'test-accuracy', 'test-loss', 'loss-vs-time', 'seconds-per-epoch', 'learning-rate'];
const lineOpacity = (page: Page, chart: string, color: string) =>
  page.locator(`[data-chart="${chart}"] .mark-line path[stroke="${color}"]`).evaluateAll((paths) => paths.map((p) => p.getAttribute('opacity')));

describe('report.html in headless Chromium', function () {
  this.timeout(120000);
  let browser: { context: BrowserContext; close(): Promise<void> } | undefined;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];

  before(async function () {
    requireChromium(this);
    const dir = writeFixtureRun(join(makeTempDir(), 'run'), { seeds: [0, 1, 2], diverge: true, schedule: true, gap: true });
    const { path } = await buildReport([dir], dir);
    browser = await launch();
    const { context } = browser;
    // Anything but the page's own file and data: URLs would be a network request: refuse and record it.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|data):/.test(url)) return route.continue();
      requests.push(url);
      return route.abort();
    });
    context.on('request', (request) => {
      if (!/^(file|data):/.test(request.url())) requests.push(request.url());
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForFunction((n) => document.querySelectorAll('[data-rendered="true"], [data-error]').length >= n, CHARTS.length, { timeout: 30000 });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every chart with vega-embed, replacing its static SVG', async () => {
    const charts = await page.locator('[data-chart]').evaluateAll((els) =>
      els.map((el) => ({ name: el.getAttribute('data-chart'), rendered: el.getAttribute('data-rendered'), error: el.getAttribute('data-error'), marks: el.querySelectorAll('svg .role-mark').length })),
    );
    assert.deepEqual(charts.map((c) => c.name), CHARTS);
    for (const c of charts) {
      assert.equal(c.error, null, `${c.name}: ${c.error}`);
      assert.equal(c.rendered, 'true', String(c.name));
      assert.ok(c.marks > 0, `${c.name} has marks`);
    }
    assert.equal(await page.locator('.fallback').count(), 0, 'fallback SVGs removed once the charts are live');
  });

  it('makes no network request and logs no error', () => {
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
  });

  it('hides a series when its legend entry is clicked, and shows it again on a second click', async () => {
    const colors = colorMap(NAMES);
    const sgd = colors.get('SGD') as string;
    const adam = colors.get(NAMES[2]) as string;
    const label = page.locator('[data-chart="train-loss"] .role-legend-label text').filter({ hasText: /^SGD$/ });
    const sgdOpacity = (value: string) =>
      page.waitForFunction(([color, v]) => document.querySelector(`[data-chart="train-loss"] .mark-line path[stroke="${color}"]`)?.getAttribute('opacity') === v, [sgd, value] as const);
    assert.deepEqual(await lineOpacity(page, 'train-loss', sgd), ['1']);
    await label.click();
    await sgdOpacity('0');
    assert.deepEqual(await lineOpacity(page, 'train-loss', adam), ['1'], 'the others stay');
    await label.click();
    await sgdOpacity('1');
  });

  it('shows a tooltip with the figures of a point on hover', async () => {
    await page.locator('[data-chart="test-accuracy"] .mark-symbol.role-mark path').first().hover({ force: true });
    const tooltip = page.locator('#vg-tooltip-element');
    await tooltip.waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await tooltip.textContent()) ?? '', /epoch/);
  });

  it('keeps a screenshot of the whole page in test-artifacts/', async () => {
    mkdirSync(fromRoot('test-artifacts'), { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: fromRoot('test-artifacts', 'report.png'), fullPage: true });
  });
});
