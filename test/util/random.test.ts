import assert from 'node:assert/strict';
import { permutation, Random } from '../../src/util/random.js';

describe('util/random', () => {
  it('repeats the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.next())(new Random(seed)));
    assert.deepEqual(draw(1), draw(1));
    assert.notDeepEqual(draw(1), draw(2));
  });

  it('is uniform in [0, 1)', () => {
    const random = new Random(42);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100000; i++) {
      const v = random.next();
      assert.ok(v >= 0 && v < 1);
      bins[Math.floor(v * 10)]++;
    }
    for (const count of bins) assert.ok(Math.abs(count - 10000) < 500, `bin count ${count}`);
  });

  it('resumes from a saved state', () => {
    const a = new Random(9);
    a.next();
    const state = a.getState();
    const expected = [a.next(), a.next()];
    const b = new Random(0);
    b.setState(state);
    assert.deepEqual([b.next(), b.next()], expected);
  });

  it('makes seeded permutations of 0..n-1', () => {
    const p = permutation(1000, new Random(5));
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(permutation(1000, new Random(5)), p);
    assert.notDeepEqual(Array.from(p), Array.from({ length: 1000 }, (_, i) => i));
  });
});
