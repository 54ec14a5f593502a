// The Vega-Lite spec builders: snapshots of every spec (UPDATE_SNAPSHOTS=1 rewrites them), one
// colour per optimizer name everywhere, bands with several seeds only, diverged trials marked,
// NaN as gaps, the learning-rate chart only when the rate changes, inputs left as they were.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type TopLevelSpec } from 'vega-lite';
import { buildCharts, useLog, type ChartSpec } from '../../src/reporters/charts.js';
import { colorMap } from '../../src/reporters/colors.js';
import type { ChartRun } from '../../src/reporters/series.js';
import { fromRoot } from '../config/support.js';
import { fixtureMetrics, NAMES, type FixtureOptions } from './fixture-run.js';

const run = (o: FixtureOptions, label = 'run-1'): ChartRun => ({ label, metrics: fixtureMetrics(o), loss: 'crossEntropy' });
const SINGLE: FixtureOptions = { seeds: [0] };
const MULTI: FixtureOptions = { seeds: [0, 1, 2], diverge: true, schedule: true, gap: true };

type Layer = { mark: { type: string; shape?: string }; data?: { values: Record<string, unknown>[] }; encoding: Record<string, any> };
const layers = (chart: ChartSpec): Layer[] => chart.spec.layer as Layer[];
const chart = (charts: ChartSpec[], name: string): ChartSpec => charts.find((c) => c.name === name) ?? assert.fail(`no chart ${name}`);
const data = (c: ChartSpec): Record<string, unknown>[] => (c.spec.data as { values: Record<string, unknown>[] }).values;

function snapshot(dir: string, charts: ChartSpec[]): void {
  const root = fromRoot('test', 'fixtures', 'charts', dir);
  if (process.env.UPDATE_SNAPSHOTS) mkdirSync(root, { recursive: true });
  for (const c of charts) {
    const file = join(root, `${c.name}.vl.json`);
    const text = `${JSON.stringify(c.spec, null, 2)}\n`;
    if (process.env.UPDATE_SNAPSHOTS) writeFileSync(file, text);
    assert.ok(existsSync(file), `${file} is missing (UPDATE_SNAPSHOTS=1 npx mocha ... writes it)`);
    assert.equal(text, readFileSync(file, 'utf8'), `${c.name} differs from its snapshot ${file}; if the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff`);
  }
}

describe('reporters/charts', () => {
  it('builds the lecture plots first, then test loss, loss over time and seconds per epoch (snapshot, one seed)', () => {
    const charts = buildCharts([run(SINGLE)]);
    assert.deepEqual(charts.map((c) => c.name), ['train-loss', 'test-accuracy', 'test-loss', 'loss-vs-time', 'seconds-per-epoch']);
    snapshot('single-seed', charts);
  });

  it('adds the learning-rate chart when a schedule changes it (snapshot, three seeds)', () => {
    const charts = buildCharts([run(MULTI)]);
    assert.deepEqual(charts.map((c) => c.name), ['train-loss', 'test-accuracy', 'test-loss', 'loss-vs-time', 'seconds-per-epoch', 'learning-rate']);
    snapshot('several-seeds', charts);
  });

  it('every spec compiles with vega-lite without warnings', () => {
    for (const c of [...buildCharts([run(SINGLE)]), ...buildCharts([run(MULTI)]), ...buildCharts([run(MULTI, 'a'), run(SINGLE, 'b')])]) {
      const warnings: string[] = [];
      const logger = { level: () => logger, error: (...m: unknown[]) => warnings.push(m.join(' ')), warn: (...m: unknown[]) => warnings.push(m.join(' ')), info: () => logger, debug: () => logger };
      compile(c.spec as unknown as TopLevelSpec, { logger: logger as never });
      assert.deepEqual(warnings, [], c.name);
    }
  });

  it('gives each optimizer name one colour in every chart, whatever the other names or their order', () => {
    const expected = colorMap(NAMES);
    for (const c of buildCharts([run(MULTI)])) {
      for (const layer of layers(c)) {
        const scale = layer.encoding.color?.scale;
        if (!scale) continue;
        scale.domain.forEach((name: string, i: number) => assert.equal(scale.range[i], expected.get(name), `${c.name}: ${name}`));
      }
    }
    // Same name, same colour in another set of names, in another order.
    const other = colorMap(['Adam <β & co>', 'RMSprop', 'SGD']);
    assert.equal(other.get('SGD'), expected.get('SGD'));
    assert.equal(other.get('Adam <β & co>'), expected.get('Adam <β & co>'));
    assert.equal(new Set(expected.values()).size, NAMES.length, 'distinct colours');
  });

  it('draws a min–max band only with several seeds, and says so in the subtitle', () => {
    const single = chart(buildCharts([run(SINGLE)]), 'train-loss');
    assert.ok(!layers(single).some((l) => l.mark.type === 'area'));
    const multi = chart(buildCharts([run(MULTI)]), 'train-loss');
    const band = layers(multi).find((l) => l.mark.type === 'area') ?? assert.fail('no band');
    assert.equal(band.encoding.y.field, 'lo');
    assert.equal(band.encoding.y2.field, 'hi');
    assert.match(JSON.stringify((multi.spec.title as { subtitle: string[] }).subtitle), /mean over 3 seeds; shaded band: min–max over seeds/);
    // report.band: ci95 draws the bootstrap interval of the mean, inside min–max.
    const ci = chart(buildCharts([{ ...run(MULTI), band: 'ci95' }]), 'train-loss');
    assert.match(JSON.stringify((ci.spec.title as { subtitle: string[] }).subtitle), /mean over 3 seeds; shaded band: 95% bootstrap interval of the mean/);
    for (const p of (ci.spec.data as { values: { lo: number; hi: number; min: number; max: number; value: number | null }[] }).values.filter((v) => v.value !== null)) {
      assert.ok(p.min <= p.lo && p.lo <= p.value! && p.value! <= p.hi && p.hi <= p.max, JSON.stringify(p));
    }
    const point = data(multi).find((p) => p.optimizer === 'SGD with momentum' && p.epoch === 1) as Record<string, number>;
    assert.ok(point.min < (point.value as number) && (point.value as number) < point.max, 'mean inside the band');
    assert.equal(point.seeds, 3);
  });

  it('marks a diverged trial where it stopped, and leaves NaN as a gap rather than a zero', () => {
    const c = chart(buildCharts([run(MULTI)]), 'train-loss');
    const marks = layers(c).filter((l) => l.data);
    assert.deepEqual(marks.map((l) => l.mark.type), ['point', 'text']);
    assert.equal(marks[0].mark.shape, 'cross');
    const [mark] = marks[0].data?.values ?? [];
    assert.equal(mark.optimizer, 'SGD');
    assert.equal(mark.seed, 1);
    assert.equal(mark.epoch, 2, 'the last finite epoch');
    assert.match(String(mark.message), /NaN at epoch 3/);
    // The other seeds carry SGD on: epoch 3 pools 2 of 3 seeds.
    const sgd3 = data(c).find((p) => p.optimizer === 'SGD' && p.epoch === 3) as Record<string, number>;
    assert.equal(sgd3.seeds, 2);
    // A gap: Adam's only test loss at epoch 2 was NaN in the one-seed run.
    const gap = chart(buildCharts([run({ ...SINGLE, gap: true })]), 'test-loss');
    const adam2 = data(gap).find((p) => p.optimizer === 'Adam <β & co>' && p.epoch === 2) as Record<string, unknown>;
    assert.equal(adam2.value, null);
    const line = layers(gap).find((l) => l.mark.type === 'line') as Layer & { mark: { invalid: string } };
    assert.equal(line.mark.invalid, 'break-paths-filter-domains', 'null breaks the line');
  });

  it('lets a legend click hide a series: a legend-bound selection drives every layer’s opacity', () => {
    for (const c of buildCharts([run(MULTI)]).filter((x) => x.name !== 'seconds-per-epoch')) {
      const withParam = layers(c).filter((l) => (l as { params?: unknown[] }).params);
      assert.equal(withParam.length, 1, c.name);
      for (const layer of layers(c)) assert.equal(layer.encoding.opacity?.condition?.param, 'show', `${c.name} ${layer.mark.type}`);
    }
  });

  it('overlays runs in a comparison: colour by optimizer, dash by run', () => {
    const c = chart(buildCharts([run(SINGLE, 'first'), run(SINGLE, 'second')]), 'test-accuracy');
    const line = layers(c).find((l) => l.mark.type === 'line') as Layer;
    assert.deepEqual(line.encoding.strokeDash.scale.domain, ['first', 'second']);
    assert.deepEqual([...new Set(data(c).map((p) => p.series))].sort(), NAMES.flatMap((n) => [`first / ${n}`, `second / ${n}`]).sort());
  });

  it('chooses a log axis for losses spanning most of a decade, never with zeros or negatives', () => {
    assert.equal(useLog([2.3, 0.2]), true);
    assert.equal(useLog([2.3, 2.0]), false);
    assert.equal(useLog([2.3, 0, 0.2]), false);
    assert.equal(useLog([2.3, null, 0.2]), true);
  });

  it('does not change its input', () => {
    const runs = [run(MULTI)];
    const before = JSON.stringify(runs);
    buildCharts(runs);
    assert.equal(JSON.stringify(runs), before);
  });
});
