import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../config/support.js';
import { bootstrapMeanCi, interquartileMean, mean, pWin, sampleStd, summarize, wilson } from '../../src/util/stats.js';

interface Expected {
  resamples: number;
  cases: Record<string, { values: number[]; mean: number; std: number; ci95: [number, number]; iqm?: number }>;
  wilson: { p: number; n: number; ci95: [number, number] }[];
}
/** Written by test/fixtures/stats/make.py (numpy). */
const expected = JSON.parse(readFileSync(fromRoot('test', 'fixtures', 'stats', 'expected.json'), 'utf8')) as Expected;

const close = (actual: number, wanted: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - wanted) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${wanted}`);

describe('util/stats', () => {
  describe('against numpy (test/fixtures/stats/make.py)', () => {
    for (const [name, c] of Object.entries(expected.cases)) {
      it(`${name}: mean, sample sd, IQM exactly; the bootstrap interval within 2% of the values' range`, () => {
        const s = summarize(c.values);
        close(s.mean, c.mean, 1e-12, 'mean');
        close(s.std, c.std, 1e-12, 'std');
        assert.equal(s.n, c.values.length);
        if (c.iqm === undefined) assert.equal(s.iqm, undefined, 'no IQM below n = 4');
        else close(s.iqm!, c.iqm, 1e-12, 'iqm');
        // numpy's resampling stream is not ours: the percentiles agree to within Monte Carlo error.
        const range = Math.max(...c.values) - Math.min(...c.values);
        close(s.ci95[0], c.ci95[0], 0.02 * range + 1e-12, 'ci95 low');
        close(s.ci95[1], c.ci95[1], 0.02 * range + 1e-12, 'ci95 high');
        assert.deepEqual(s.bootstrap, { resamples: expected.resamples, seed: 0 });
      });
    }
    for (const w of expected.wilson) {
      it(`Wilson 95% of p = ${w.p} over n = ${w.n}`, () => {
        const [lo, hi] = wilson(w.p, w.n);
        close(lo, w.ci95[0], 1e-12, 'low');
        close(hi, w.ci95[1], 1e-12, 'high');
      });
    }
  });

  describe('by hand', () => {
    it('n = 1: sd 0, the interval is the value itself, no IQM', () => {
      assert.deepEqual(summarize([0.5]), { n: 1, mean: 0.5, std: 0, ci95: [0.5, 0.5], bootstrap: { resamples: 10000, seed: 0 } });
    });

    it('sample sd divides by n - 1: [1, 2, 3, 4] has sd sqrt(5/3)', () => {
      close(sampleStd([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-15, 'sd');
      assert.equal(mean([1, 2, 3, 4]), 2.5);
    });

    it('IQM cuts floor(n / 4) from each end: [1, 2, 3, 100] → 2.5; [0, 1, 2, 3, 4, 100, 100] → mean of 1..100', () => {
      assert.equal(interquartileMean([100, 2, 1, 3]), 2.5);
      close(interquartileMean([0, 1, 2, 3, 4, 100, 100]), (1 + 2 + 3 + 4 + 100) / 5, 1e-12, 'n = 7');
    });

    it('the bootstrap is seeded: the same values give the same interval, another seed another one', () => {
      const x = [0.1, 0.5, 0.3, 0.9, 0.7];
      assert.deepEqual(bootstrapMeanCi(x), bootstrapMeanCi(x));
      assert.notDeepEqual(bootstrapMeanCi(x, { resamples: 10000, seed: 1 }), bootstrapMeanCi(x));
    });

    it('pWin: 5 wins of 5 is P = 1 with Wilson [0.57, 1.00], as the report says it', () => {
      const r = pWin([[0.9, 0.2], [0.91, 0.3], [0.92, 0.1], [0.9, 0.5], [0.95, 0.4]], true);
      assert.deepEqual({ p: r.pWin, wins: r.wins, n: r.n }, { p: 1, wins: 5, n: 5 });
      const [lo, hi] = wilson(r.pWin, r.n);
      assert.equal(lo.toFixed(2), '0.57');
      assert.equal(hi.toFixed(2), '1.00');
    });

    it('pWin: a tie counts a half, a diverged trial loses its pair, two diverged trials tie; lower is better for losses', () => {
      assert.equal(pWin([[1, 1], [2, 1]], true).pWin, 0.75);
      assert.equal(pWin([['lost', 0.1], [0.5, 'lost'], ['lost', 'lost'], [0.2, 0.1]], true).pWin, (0 + 1 + 0.5 + 1) / 4);
      assert.equal(pWin([[0.2, 0.3], [0.4, 0.3]], false).pWin, 0.5);
    });
  });
});
