import assert from 'node:assert/strict';
import { problems, stat, summarize } from '../../src/reporters/summary.js';
import { colorMap } from '../../src/reporters/colors.js';
import { fixtureMetrics, NAMES } from './fixture-run.js';

describe('reporters/summary', () => {
  it('one row per optimizer: final and best test accuracy (with its epoch), final losses, seconds, statuses', () => {
    const metrics = fixtureMetrics({ seeds: [0] });
    const rows = summarize([{ label: 'r', metrics }]);
    assert.deepEqual(rows.map((r) => r.series), [...NAMES]);
    const adam = metrics.trials[2];
    const last = adam.epochs[adam.epochs.length - 1];
    assert.equal(rows[2].finalAccuracy?.mean, last.testAccuracy);
    assert.deepEqual(rows[2].bestAccuracy, { value: last.testAccuracy, epoch: 5 });
    assert.equal(rows[2].finalTrainLoss?.mean, last.trainLoss);
    assert.equal(rows[2].seconds?.mean, last.cumulativeSeconds);
    assert.deepEqual(rows[2].statuses, { ok: 1 });
    assert.equal(rows[2].color, colorMap(NAMES).get(NAMES[2]));
  });

  it('pools seeds: means with their range, statuses counted, NaN left out of the figures', () => {
    const rows = summarize([{ label: 'r', metrics: fixtureMetrics({ seeds: [0, 1, 2], diverge: true }) }]);
    const sgd = rows[0];
    assert.equal(sgd.trials, 3);
    assert.deepEqual(sgd.statuses, { ok: 2, diverged: 1 });
    assert.equal(sgd.finalTrainLoss?.n, 2, 'the diverged seed ended on NaN');
    assert.equal(sgd.finalAccuracy?.n, 3);
    assert.ok((sgd.finalAccuracy?.min as number) < (sgd.finalAccuracy?.max as number));
  });

  it('lists trials that did not end well with their messages', () => {
    const list = problems([{ label: 'r', metrics: fixtureMetrics({ seeds: [0, 1], diverge: true }) }]);
    assert.deepEqual(list.map((p) => [p.id, p.status, p.epochs]), [['sgd/seed-1', 'diverged', 3]]);
    assert.match(list[0].message, /NaN at epoch 3/);
  });

  it('stat ignores null and non-finite values', () => {
    assert.deepEqual(stat([1, null, 3, Number.NaN, undefined]), { mean: 2, min: 1, max: 3, n: 2 });
    assert.equal(stat([null]), null);
  });
});
