import assert from 'node:assert/strict';
import scale from '../../../src/registry/transforms/scale.js';
import normalize from '../../../src/registry/transforms/normalize.js';
import flatten from '../../../src/registry/transforms/flatten.js';
import oneHot from '../../../src/registry/transforms/one-hot.js';
import addNoise from '../../../src/registry/transforms/add-noise.js';
import type { DataFacts, Split } from '../../../src/registry/kinds.js';
import { Random } from '../../../src/util/random.js';
import { rowValues, scaledCodes } from '../../../src/util/split-values.js';

const facts: DataFacts = { sampleShape: [2, 2], classes: 3, trainSize: 2, testSize: 0, source: 't' };
const split = (): Split => ({ count: 2, x: Float32Array.from([0, 0.25, 0.5, 1, 0.2, 0.4, 0.6, 0.8]), y: Uint8Array.from([2, 0]) });
const ctx = (seed = 0) => ({ facts, random: ((r) => () => r.next())(new Random(seed)) });
const close = (a: ArrayLike<number>, b: number[]) => Array.from(a).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `${v} vs ${b[i]} at ${i}`));

describe('transforms', () => {
  it('scale multiplies every input value and leaves the original alone', () => {
    const input = split();
    close(scale.apply({ factor: 2 }, input, ctx()).x, [0, 0.5, 1, 2, 0.4, 0.8, 1.2, 1.6]);
    assert.equal(input.x[1], 0.25);
  });

  it('normalize computes (x - mean) / std', () => {
    close(normalize.apply({ mean: 0.5, std: 0.25 }, split(), ctx()).x, [-2, -1, 0, 2, -1.2, -0.4, 0.4, 1.2]);
  });

  it('scale and normalize rewrite the codes of byte inputs: the decoded values are those of the float path', () => {
    const bytes = (): Split => ({ count: 2, x: Uint8Array.from([0, 64, 128, 255, 51, 102, 153, 204]), y: Uint8Array.from([2, 0]), codes: scaledCodes(1 / 255) });
    const floats = (s: Split): Split => ({ count: s.count, x: rowValues(s, 0, s.count), y: s.y });
    const scaled = scale.apply({ factor: 2 }, bytes(), ctx());
    assert.ok(scaled.x instanceof Uint8Array, 'still bytes');
    assert.deepEqual(Array.from(rowValues(scaled, 0, 2)), Array.from(scale.apply({ factor: 2 }, floats(bytes()), ctx()).x));
    const normalized = normalize.apply({ mean: 0.1307, std: 0.3081 }, scaled, ctx());
    assert.ok(normalized.x instanceof Uint8Array, 'still bytes');
    assert.deepEqual(Array.from(rowValues(normalized, 0, 2)), Array.from(normalize.apply({ mean: 0.1307, std: 0.3081 }, floats(scaled), ctx()).x));
  });

  it('flatten changes the declared sample shape only', () => {
    assert.deepEqual(flatten.facts!({}, facts).sampleShape, [4]);
    assert.deepEqual(Array.from(flatten.apply({}, split(), ctx()).x), Array.from(split().x));
  });

  it('oneHot makes one-hot targets of the labels', () => {
    assert.deepEqual(oneHot.facts!({}, facts).targetShape, [3]);
    assert.deepEqual(Array.from(oneHot.apply({}, split(), ctx()).target!), [0, 0, 1, 1, 0, 0]);
  });

  it('addNoise (gaussian) is seeded, clipped, and keeps the clean input as the target', () => {
    const params = { kind: 'gaussian' as const, std: 0.3, amount: 0, clip: true, seed: 0 };
    const a = addNoise.apply(params, split(), ctx(1));
    const b = addNoise.apply(params, split(), ctx(1));
    assert.deepEqual(Array.from(a.x), Array.from(b.x), 'same seed, same noise');
    assert.notDeepEqual(Array.from(addNoise.apply(params, split(), ctx(2)).x), Array.from(a.x));
    assert.deepEqual(Array.from(a.target!), Array.from(split().x));
    assert.ok(a.x.every((v) => v >= 0 && v <= 1));
    assert.notDeepEqual(Array.from(a.x), Array.from(split().x));
    assert.deepEqual(addNoise.facts!(params, facts).targetShape, [4]);
  });

  it('addNoise (salt and pepper) replaces about amount of the values with 0 or 1', () => {
    const big: Split = { count: 1, x: new Float32Array(20000).fill(0.5), y: Uint8Array.from([0]) };
    const noisy = addNoise.apply({ kind: 'saltAndPepper', std: 0, amount: 0.1, clip: true, seed: 0 }, big, ctx(3));
    const changed = Array.from(noisy.x).filter((v) => v !== 0.5);
    assert.ok(changed.every((v) => v === 0 || v === 1));
    assert.ok(Math.abs(changed.length / 20000 - 0.1) < 0.01, `${changed.length}`);
  });
});
