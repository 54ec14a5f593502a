// Headless SVG: every chart renders without a browser, parses as XML, and draws one line (and one
// legend entry) per optimizer in its colour; files are written whole, next to their specs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCharts } from '../../src/reporters/charts.js';
import { colorMap } from '../../src/reporters/colors.js';
import { esc } from '../../src/reporters/html-format.js';
import type { ChartRun } from '../../src/reporters/series.js';
import { renderSvg, renumberIds, writeCharts } from '../../src/reporters/svg.js';
import { makeTempDir } from '../run-helpers.js';
import { checkXml } from '../xml.js';
import { fixtureMetrics, NAMES, type FixtureOptions } from './fixture-run.js';

const run = (o: FixtureOptions): ChartRun => ({ label: 'r', metrics: fixtureMetrics(o), loss: 'crossEntropy' });

/** The <g> groups vega draws one per series of a line chart. */
const lineGroups = (svg: string): string[] => [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]);
const legendLabels = (svg: string): string[] => [...svg.matchAll(/<g class="mark-text role-legend-label[^"]*"[^>]*>(.*?)<\/g>/g)].flatMap((m) => [...m[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]));

describe('reporters/svg', () => {
  it('the XML check rejects what viewers reject', () => {
    assert.equal(checkXml('<?xml version="1.0"?>\n<svg a="1"><g/><text>a &amp; b</text></svg>'), 'svg');
    for (const bad of ['<svg><g></svg>', '<svg a=1/>', '<svg a="1" a="2"/>', '<svg>a & b</svg>', '<svg/><svg/>', '<svg><text>x</g></svg>', '<svg a="<"/>']) {
      assert.throws(() => checkXml(bad), Error, bad);
    }
  });

  const cases: [string, FixtureOptions][] = [
    ['one seed', { seeds: [0] }],
    ['three seeds, a diverged trial, a gap and a schedule', { seeds: [0, 1, 2], diverge: true, gap: true, schedule: true }],
  ];
  for (const [label, options] of cases) {
    it(`renders every chart as well-formed SVG with one series per optimizer (${label})`, async () => {
      const colors = colorMap(NAMES);
      for (const chart of buildCharts([run(options)])) {
        const svg = await renderSvg(chart.spec);
        assert.equal(checkXml(svg), 'svg', chart.name);
        assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), chart.name);
        if (chart.name === 'seconds-per-epoch') {
          // Bars instead of lines: one per optimizer, named on the axis, in its colour.
          const bars = [...svg.matchAll(/<path[^>]*aria-roledescription="bar"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
          assert.deepEqual(bars, NAMES.map((n) => colors.get(n)), chart.name);
          for (const name of NAMES) assert.ok(svg.includes(`>${esc(name)}</text>`), `${chart.name}: axis label ${name}`);
          continue;
        }
        const groups = lineGroups(svg);
        assert.equal(groups.length, NAMES.length, `${chart.name}: one line per optimizer`);
        const strokes = groups.map((g) => /stroke="([^"]+)"/.exec(g)?.[1]);
        assert.deepEqual(strokes, NAMES.map((n) => colors.get(n)), `${chart.name}: colours`);
        assert.deepEqual(legendLabels(svg), NAMES.map(esc), `${chart.name}: legend`);
      }
    });
  }

  it('numbers ids per document, so a chart renders to the same bytes however many came before it', async () => {
    assert.equal(renumberIds('<svg><clipPath id="clip7"/><g clip-path="url(#clip7)"/><clipPath id="clip9"/><use href="#clip9"/></svg>'), '<svg><clipPath id="id1"/><g clip-path="url(#id1)"/><clipPath id="id2"/><use href="#id2"/></svg>');
    const [chart] = buildCharts([run({ seeds: [0] })]).filter((c) => c.name === 'seconds-per-epoch');
    assert.equal(await renderSvg(chart.spec), await renderSvg(chart.spec));
  });

  it('writes charts/NAME.vl.json and charts/NAME.svg for every chart, and nothing else', async () => {
    const dir = makeTempDir();
    const charts = buildCharts([run({ seeds: [0, 1] })]);
    const rendered = await writeCharts(dir, charts);
    const files = readdirSync(join(dir, 'charts')).sort();
    assert.deepEqual(files, charts.flatMap((c) => [`${c.name}.svg`, `${c.name}.vl.json`]).sort());
    for (const c of rendered) {
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'charts', `${c.name}.vl.json`), 'utf8')), c.spec);
      assert.equal(readFileSync(join(dir, 'charts', `${c.name}.svg`), 'utf8'), c.svg);
    }
  });
});
