import assert from 'node:assert/strict';
import type { EpochRecord, TrialMetrics } from '../../src/run-log/types.js';
import { comparisonSentence, isStudy, studyStatistics, withStatistics } from '../../src/reporters/study.js';

/** A trial with test accuracies per epoch (and val twins 0.01 below), one second an epoch. */
function trial(name: string, seed: number, accuracies: (number | null)[], extra: Partial<TrialMetrics> = {}): TrialMetrics {
  const epochs = accuracies.map((a, i): EpochRecord => ({
    epoch: i + 1,
    trainLoss: 1 / (i + 2),
    testAccuracy: a as number,
    valAccuracy: a === null ? (null as unknown as number) : a - 0.01,
    lr: 0.1,
    seconds: 1,
    cumulativeSeconds: i + 1,
    steps: (i + 1) * 10,
  }));
  const point = extra.point;
  return { id: `${name}/seed-${seed}${point ? `/lr=${String(point.lr)}` : ''}`, name, optimizer: { name, type: 'sgd' }, seed, status: 'ok', epochs, ...extra };
}

describe('reporters/study', () => {
  it('a group pools the ok trials of an optimizer at a point; diverged and failed ones are counted beside n, never averaged', () => {
    const trials = [
      trial('Adam', 0, [0.5, 0.9]),
      trial('Adam', 1, [0.6, 0.8]),
      trial('Adam', 2, [0.2, null], { status: 'diverged', error: 'loss became NaN' }),
      trial('Adam', 3, [], { status: 'failed', error: 'boom' }),
    ];
    const { groups } = studyStatistics({ trials }, {});
    assert.equal(groups.length, 1);
    const g = groups[0]!;
    assert.deepEqual([g.n, g.diverged, g.failed], [2, 1, 1]);
    assert.deepEqual(g.key, { optimizer: 'Adam' });
    // final: the last epoch (0.9, 0.8); best: each trial's best epoch (0.9, 0.8).
    assert.ok(Math.abs(g.final.testAccuracy!.mean - 0.85) < 1e-12);
    assert.ok(Math.abs(g.final.testAccuracy!.std - Math.SQRT1_2 * 0.1) < 1e-12);
    assert.ok(Math.abs(g.best.testAccuracy!.mean - 0.85) < 1e-12);
    // a loss's best is its minimum: 1/3 in both trials
    assert.ok(Math.abs(g.best.trainLoss!.mean - 1 / 3) < 1e-12);
    assert.deepEqual(g.final.testAccuracy!.bootstrap, { resamples: 10000, seed: 0 });
  });

  it('best differs from final where a trial peaked earlier; n = 1 has sd 0 and a point interval', () => {
    const { groups } = studyStatistics({ trials: [trial('SGD', 0, [0.7, 0.95, 0.9])] }, {});
    assert.equal(groups[0]!.final.testAccuracy!.mean, 0.9);
    assert.equal(groups[0]!.best.testAccuracy!.mean, 0.95);
    assert.equal(groups[0]!.final.testAccuracy!.std, 0);
    assert.deepEqual(groups[0]!.final.testAccuracy!.ci95, [0.9, 0.9]);
  });

  it('selection picks each optimizer\'s best point on validation; comparisons pair seeds, a diverged trial loses its pair', () => {
    const trials = [
      ...[0, 1, 2].map((s) => trial('SGD', s, [0.5 + s * 0.01], { point: { lr: 0.01 } })),
      ...[0, 1, 2].map((s) => trial('SGD', s, [0.8 + s * 0.01], { point: { lr: 0.1 } })),
      trial('Adam', 0, [0.9], { point: { lr: 0.001 } }),
      trial('Adam', 1, [0.7], { point: { lr: 0.001 } }),
      trial('Adam', 2, [null], { point: { lr: 0.001 }, status: 'diverged' }),
    ];
    const stats = studyStatistics({ trials }, { select: { metric: 'valAccuracy', mode: 'max' }, validation: true });
    assert.deepEqual(stats.selection.map((s) => [s.optimizer, s.key.lr, s.optimistic]), [['SGD', 0.1, false], ['Adam', 0.001, false]]);
    const [c] = stats.comparisons;
    assert.equal(c!.metric, 'testAccuracy');
    // seed 0: Adam 0.9 beats 0.8; seed 1: SGD 0.81 beats 0.7; seed 2: Adam diverged, SGD wins.
    assert.deepEqual([c!.n, c!.wins, c!.ties], [3, 2, 0]);
    assert.ok(Math.abs(c!.pWin - 2 / 3) < 1e-12);
    assert.match(comparisonSentence(c!), /^SGD beats Adam in 2 of 3 seeds \(P = 0\.67, 95% \[0\.\d\d, 0\.\d\d\]\)$/);
  });

  it('without a validation split the selection is marked optimistic (chosen on test)', () => {
    const stats = studyStatistics({ trials: [trial('SGD', 0, [0.5], { point: { lr: 1 } }), trial('SGD', 0, [0.6], { point: { lr: 2 } })] }, {});
    assert.equal(stats.selection[0]!.metric, 'testAccuracy');
    assert.equal(stats.selection[0]!.key.lr, 2);
    assert.equal(stats.selection[0]!.optimistic, true);
  });

  it('ties: equal values count a half each, and the sentence says so', () => {
    const trials = [0, 1].flatMap((s) => [trial('A', s, [0.9]), trial('B', s, [s === 0 ? 0.9 : 0.8])]);
    const [c] = studyStatistics({ trials }, {}).comparisons;
    assert.equal(c!.pWin, 0.75);
    assert.equal(comparisonSentence(c!).startsWith('A beats B in 1 of 2 seeds, ties in 1 (P = 0.75'), true, comparisonSentence(c!));
  });

  it('time to target: the first epoch at or above each value, its seconds, and the fraction of the group that got there', () => {
    const trials = [trial('A', 0, [0.5, 0.85, 0.95]), trial('A', 1, [0.6, 0.7, 0.82]), trial('A', 2, [0.9, null], { status: 'diverged' })];
    const [g] = studyStatistics({ trials }, { targets: { metric: 'testAccuracy', values: [0.8, 0.9], mode: 'max' } }).groups;
    assert.deepEqual(g!.targets!.map((t) => [t.value, t.reached, t.of]), [[0.8, 3, 3], [0.9, 2, 3]]);
    assert.deepEqual(g!.targets![1]!.perTrial.map((p) => p.epoch), [3, null, 1]);
    assert.deepEqual(g!.targets![0]!.perTrial.map((p) => p.seconds), [2, 3, 1]);
  });

  it('metrics.json carries the statistics only for a study (seeds, sweeps or targets)', () => {
    const single = { trials: [trial('A', 0, [0.5]), trial('B', 0, [0.6])] };
    assert.equal(isStudy(single.trials, {}), false);
    assert.equal((withStatistics(single as never, {}) as { groups?: unknown }).groups, undefined);
    const seeds = { trials: [trial('A', 0, [0.5]), trial('A', 1, [0.6])] };
    assert.equal((withStatistics(seeds as never, {}) as { groups?: unknown[] }).groups!.length, 1);
  });
});
