import assert from 'node:assert/strict';
import { codeOf, decodedSplit, decodeInto, isCoded, rowValues, rowWidth, sameKindInputs } from '../../src/util/split-values.js';
import type { Split } from '../../src/registry/kinds.js';
import { dataFingerprint } from '../../src/runner/fingerprint.js';

/** Three samples of four pixels as bytes, coded as byte / 255 (as the IDX datasets load them). */
const coded = (): Split => ({ count: 3, x: Uint8Array.from([0, 1, 127, 255, 10, 20, 30, 40, 200, 201, 202, 203]), y: Uint8Array.from([0, 1, 2]), scale: 1 / 255 });
const asFloats = (split: Split): Split => ({ count: split.count, x: Float32Array.from(split.x, (b) => b * (split.scale ?? 1) + (split.offset ?? 0)), y: split.y });

describe('util/split-values', () => {
  it('decodes bytes as byte × scale + offset, rounded to float32', () => {
    const split = { ...coded(), offset: -0.5 };
    const out = new Float32Array(6).fill(NaN);
    decodeInto(split, 2, 4, out, 1);
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[5]!), 'writes only the asked range');
    assert.deepEqual(Array.from(out.subarray(1, 5)), [127, 255, 10, 20].map((b) => Math.fround(b / 255 - 0.5)));
  });

  it('copies float inputs as they are', () => {
    const split: Split = { count: 2, x: Float32Array.from([0.25, -1, 3, 4.5]), y: Uint8Array.from([0, 1]) };
    assert.equal(isCoded(split), false);
    assert.deepEqual(Array.from(rowValues(split, 1, 1)), [3, 4.5]);
    assert.equal(decodedSplit(split), split);
  });

  it('gives rows and whole splits as the same float32 values', () => {
    const split = coded();
    assert.equal(rowWidth(split), 4);
    assert.deepEqual(Array.from(rowValues(split, 1, 2)), Array.from(asFloats(split).x.subarray(4, 12)));
    const decoded = decodedSplit(split);
    assert.ok(decoded.x instanceof Float32Array && decoded.x.buffer instanceof SharedArrayBuffer, 'decoded into shared float32');
    assert.deepEqual(Array.from(decoded.x), Array.from(asFloats(split).x));
    assert.equal(decoded.scale, undefined);
    assert.deepEqual(codeOf(decoded), { scale: 1, offset: 0 });
  });

  it('makes new inputs of the same kind', () => {
    assert.ok(sameKindInputs(coded(), 4) instanceof Uint8Array);
    assert.ok(sameKindInputs(asFloats(coded()), 4) instanceof Float32Array);
  });

  it('fingerprints coded data as the float values it stands for (runs made before bytes still resume)', () => {
    const data = (split: Split) => ({ facts: { sampleShape: [4], classes: 3, trainSize: 3, testSize: 3, source: 'test' }, train: split, test: split });
    assert.deepEqual(dataFingerprint(data(coded())), dataFingerprint(data(asFloats(coded()))));
    const other = coded();
    other.x[5] = 21;
    assert.notDeepEqual(dataFingerprint(data(other)), dataFingerprint(data(coded())));
  });
});
