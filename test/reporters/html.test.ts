// report.html without a browser: self-contained (no URL it would fetch), every config text escaped
// (a name cannot end a <script> or add markup), and the sections the issue lists.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildCharts } from '../../src/reporters/charts.js';
import { esc, num, scriptJson } from '../../src/reporters/html-format.js';
import { vegaScripts } from '../../src/reporters/html-assets.js';
import { configYaml, inlineSvg, renderHtml } from '../../src/reporters/html.js';
import { environmentTable } from '../../src/reporters/html-tables.js';
import type { RunRecord } from '../../src/reporters/run-record.js';
import type { ChartRun } from '../../src/reporters/series.js';
import { writeCharts } from '../../src/reporters/svg.js';
import { makeTempDir } from '../run-helpers.js';
import { fixtureMetrics, fixturePlan, type FixtureOptions } from './fixture-run.js';

const EVIL = '</script><script>alert(1)</script> & <b>';

async function page(o: FixtureOptions, rename?: (name: string) => string): Promise<string> {
  const plan = fixturePlan(o);
  const metrics = fixtureMetrics(o);
  if (rename) {
    for (const t of [...plan.trials, ...metrics.trials]) t.name = rename(t.name);
    plan.experiment.description = rename(plan.experiment.description);
  }
  const run: RunRecord = { dir: '/runs/fixture/<id>', id: '2026-01-02T03-04-05Z-abcdef', plan, metrics, workers: 2 };
  const chartRuns: ChartRun[] = [{ label: run.id, metrics, loss: 'crossEntropy' }];
  const charts = await writeCharts(makeTempDir(), buildCharts(chartRuns));
  return renderHtml({ runs: [run], chartRuns, charts, scripts: await vegaScripts(), trainyard: '0.1.0' });
}

/** The page without its inline scripts and JSON: what the HTML parser sees as markup. */
const markup = (html: string): string => html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '<script></script>');

describe('reporters/html', () => {
  it('is self-contained: the scripts inline, nothing loaded from a URL', async () => {
    const html = await page({ seeds: [0] });
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script type="application/json" id="trainyard-specs">', '<script>', '<script>', '<script>', '<script>']);
    assert.ok(!/<link\b/i.test(html), 'no stylesheet links');
    assert.ok(!/\bsrc\s*=/i.test(markup(html)), 'no src attributes');
    assert.deepEqual(markup(html).match(/href="[^"#][^"]*"/g)?.filter((h) => !h.startsWith('href="charts/')) ?? [], [], 'links only to the charts beside it');
    assert.ok(!/@import|url\(\s*['"]?https?:/i.test(html.match(/<style>[\s\S]*?<\/style>/)?.[0] ?? ''), 'no fetched CSS');
    for (const lib of ['vegaEmbed', 'vegaLite']) assert.ok(html.includes(lib), lib);
  });

  it('escapes every text from the config, in markup and in the inline JSON', async () => {
    const html = await page({ seeds: [0, 1], diverge: true }, (name) => `${name}${EVIL}`);
    assert.ok(!markup(html).includes(EVIL), 'no raw name in the markup');
    assert.ok(markup(html).includes(esc(`SGD${EVIL}`)), 'the name, escaped');
    // The inline JSON holds the names too; '</script' inside it would end the element.
    const json = /<script type="application\/json" id="trainyard-specs">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    assert.ok(!json.includes('<'), 'no < in the JSON');
    assert.ok(JSON.stringify(JSON.parse(json)).includes(`SGD${EVIL}`), 'the JSON still reads back the exact name');
    assert.equal(JSON.parse(scriptJson('\u2028</script>&')), '\u2028</script>&');
  });

  it('has the sections the issue lists: summary, charts, problems, per epoch, configuration, environment', async () => {
    const html = await page({ seeds: [0, 1], diverge: true, schedule: true });
    for (const id of ['summary', 'charts', 'problems', 'epochs', 'config', 'environment']) assert.match(html, new RegExp(`<section id="${id}"`), id);
    assert.equal((html.match(/<figure class="chart"/g) ?? []).length, 6, 'six charts with the lr schedule');
    assert.match(html, /training loss became NaN at epoch 3 &lt;lr too high\?&gt;/);
    assert.equal((html.match(/<details class="fold"/g) ?? []).length, 2, 'a per-epoch table per seed');
    assert.match(html, /<th scope="col" class="num">lr<\/th>/, 'the lr column when it varies');
    for (const fact of ['wasm', 'v20.0.0', 'Test CPU x 2', '300 MB', '30.0 s', '2026-01-02 03:04:05 UTC', 'tensorflow']) assert.ok(html.includes(fact), fact);
  });

  it('writes the config as YAML that reads back to the same config', () => {
    const { config } = fixturePlan({});
    assert.deepEqual(parse(configYaml(config)), JSON.parse(JSON.stringify(config)));
  });

  it('gives the ids of each inline fallback SVG its own prefix', () => {
    const svg = '<?xml version="1.0"?>\n<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
    assert.equal(inlineSvg(svg, 'fb-x'), '<svg><clipPath id="fb-x-clip1"><rect/></clipPath><g clip-path="url(#fb-x-clip1)"/><use href="#fb-x-clip1"/></svg>');
  });

  it('formats numbers as the console does, with exponents only where fixed decimals mislead', () => {
    assert.equal(num(0.24561), '0.2456');
    assert.equal(num(2.1e24), '2.10e+24');
    assert.equal(num(3e-7), '3.00e-7');
    assert.equal(num(0), '0.0000');
    assert.match(num(null), /NaN/);
  });

  it('shows the GPU adapter of a webgpu run in the environment table, and marks a fallback one', () => {
    const metrics = fixtureMetrics({ seeds: [0] });
    const adapter = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', driver: 'NVIDIA 550.54', fallback: false };
    const run: RunRecord = { dir: '/runs/x', id: 'x', plan: fixturePlan({ seeds: [0] }), metrics: { ...metrics, environment: { ...metrics.environment, backend: 'webgpu', adapter } }, workers: 1 };
    assert.match(environmentTable(run), /<th scope="row">GPU adapter<\/th><td>nvidia hopper, NVIDIA H200 \(NVIDIA 550\.54\), hardware<\/td>/);
    run.metrics.environment.adapter = { ...adapter, fallback: true };
    assert.match(environmentTable(run), /, <b>fallback<\/b> \(software\)/);
    assert.doesNotMatch(environmentTable({ ...run, metrics }), /GPU adapter/, 'none on a CPU backend');
  });
});
