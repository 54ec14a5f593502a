import assert from 'node:assert/strict';
import type { EpochRecord, Metrics, TrialMetrics } from '../../src/run-log/types.js';
import { buildCharts, percentFormat, seedsLine } from '../../src/reporters/charts.js';
import { studyStatistics } from '../../src/reporters/study.js';
import type { ChartRun } from '../../src/reporters/series.js';

/** A trial whose accuracy climbs to `final` over 2 epochs. */
function trial(name: string, seed: number, point: Record<string, unknown> | undefined, final: number, status: TrialMetrics['status'] = 'ok'): TrialMetrics {
  const epochs: EpochRecord[] = [1, 2].map((e) => ({ epoch: e, trainLoss: 1 - final * e * 0.4, testAccuracy: final - (2 - e) * 0.1, valAccuracy: final - 0.01, lr: 0.1, seconds: 1, cumulativeSeconds: e, steps: 10 * e }));
  const at = point ? `/${Object.entries(point).map(([k, v]) => `${k}=${String(v)}`).join(',')}` : '';
  return { id: `${name.toLowerCase()}/seed-${seed}${at}`, name, optimizer: { name, type: 'sgd' }, seed, ...(point ? { point } : {}), status, epochs };
}

function study(trials: TrialMetrics[], targets?: number[]): ChartRun {
  const metrics = { trials } as Metrics;
  const statistics = studyStatistics(metrics, { select: { metric: 'valAccuracy', mode: 'max' }, validation: true, ...(targets ? { targets: { metric: 'testAccuracy', values: targets, mode: 'max' as const } } : {}) });
  return { label: 'run-1', metrics, band: 'ci95', statistics };
}

const LRS = [1e-4, 1e-3, 1e-2, 1e-1];
const lrSweep = study(['SGD', 'Adam'].flatMap((name) => LRS.flatMap((lr, i) => [0, 1, 2].map((s) => trial(name, s, { 'optimizers[*].lr': lr }, name === 'Adam' ? 0.9 - i * 0.1 : 0.5 + i * 0.1 + s * 0.01)))), [0.6, 0.8]);

describe('reporters/study-charts', () => {
  it('a one-value sweep draws its sensitivity: final accuracy against the value, log axis, a line and band per optimizer', () => {
    const chart = buildCharts([lrSweep]).find((c) => c.name === 'sensitivity-lr') ?? assert.fail('no sensitivity chart');
    const spec = chart.spec as any;
    assert.equal(spec.encoding.x.scale.type, 'log');
    assert.equal(spec.encoding.x.title, 'optimizers[*].lr (log scale)');
    assert.deepEqual(spec.layer.map((l: any) => l.mark.type), ['line', 'area', 'point']);
    assert.equal(spec.layer[1].encoding.y.field, 'lo');
    // one legend: every layer's colour says the same (Vega-Lite drops a legend whose layers disagree)
    assert.equal(new Set(spec.layer.map((l: any) => JSON.stringify(l.encoding.color))).size, 1);
    assert.ok(spec.layer[0].encoding.color.legend);
    const adam = spec.data.values.filter((r: any) => r.optimizer === 'Adam');
    assert.deepEqual(adam.map((r: any) => r.x), LRS);
    assert.ok(Math.abs(adam[0].mean - 0.9) < 1e-12);
  });

  it('curves of a sweep show each optimizer at its selected point, and the subtitle says so', () => {
    const acc = buildCharts([lrSweep]).find((c) => c.name === 'test-accuracy')!;
    const series = new Set((acc.spec as any).data.values.map((p: any) => p.series));
    assert.deepEqual([...series], ['SGD', 'Adam']);
    assert.match(JSON.stringify((acc.spec as any).title.subtitle), /mean over 3 seeds; shaded band: 95% bootstrap interval of the mean.*selected sweep point/);
  });

  it('a swept training value also charts its seconds per epoch (a batch size\'s cost beside its accuracy); an optimizer value does not', () => {
    const batches = study(['Adam'].flatMap((name) => [1, 10, 100].flatMap((b) => [0, 1].map((s) => trial(name, s, { 'training.batchSize': b }, 0.8)))));
    const charts = buildCharts([batches]).map((c) => c.name);
    assert.ok(charts.includes('sensitivity-batchsize') && charts.includes('seconds-per-epoch-batchsize'), charts.join(', '));
    assert.ok(!buildCharts([lrSweep]).some((c) => c.name === 'seconds-per-epoch-lr'));
  });

  it('two swept values make a heatmap per optimizer', () => {
    const grid = study(['SGD', 'Adam'].flatMap((name) => [1e-3, 1e-2].flatMap((lr) => [10, 100].map((b) => trial(name, 0, { 'optimizers[*].lr': lr, 'training.batchSize': b }, lr * 10 + b / 1000)))));
    const chart = buildCharts([grid]).find((c) => c.name === 'heatmap-lr-batchsize') ?? assert.fail('no heatmap');
    const spec = chart.spec as any;
    assert.equal(spec.facet.field, 'optimizer');
    assert.equal(spec.spec.layer[0].mark.type, 'rect');
    assert.equal(spec.data.values.length, 8);
    assert.ok(!buildCharts([grid]).some((c) => c.name.startsWith('sensitivity')), 'the heatmap shows them, not two lines');
  });

  it('time to target: the fraction of each optimizer\'s trials at each target, rising with the seconds', () => {
    const chart = buildCharts([lrSweep]).find((c) => c.name === 'time-to-target') ?? assert.fail('no chart');
    const rows = (chart.spec as any).data.values.filter((r: any) => r.optimizer === 'Adam' && r.target === '0.8');
    assert.deepEqual(rows.map((r: any) => r.fraction), [0, 1 / 3, 2 / 3, 1, 1]);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].seconds >= rows[i - 1].seconds);
  });

  it('the subtitle counts each run\'s own seeds: a run of 1 seed says nothing of means', () => {
    const one: ChartRun = { label: 'a', metrics: { trials: [trial('SGD', 0, undefined, 0.5), trial('Adam', 0, undefined, 0.6)] } as Metrics };
    assert.equal(seedsLine([one]), undefined);
    const two: ChartRun = { label: 'b', metrics: { trials: [trial('SGD', 0, undefined, 0.5), trial('SGD', 1, undefined, 0.6)] } as Metrics };
    assert.equal(seedsLine([one, two]), 'mean over 1–2 seeds; shaded band: min–max over seeds');
  });

  it('percent axes get the decimals their span needs: no repeated tick labels', () => {
    assert.equal(percentFormat([0.1, 0.95]), '.0%');
    assert.equal(percentFormat([0.841, 0.853]), '.1%');
    assert.equal(percentFormat([0.9141, 0.9153]), '.2%');
    // five ticks across 84.1%–85.3% at '.1%' are 84.2, 84.4, ...: all different
    const ticks = [0.842, 0.844, 0.846, 0.848, 0.85, 0.852].map((v) => (v * 100).toFixed(1));
    assert.equal(new Set(ticks).size, ticks.length);
  });
});
