import assert from 'node:assert/strict';
import { codesOf, decodedSplit, decodeInto, isCoded, rowValues, rowWidth, sameKindInputs, scaledCodes } from '../../src/util/split-values.js';
import type { Split } from '../../src/registry/kinds.js';
import { dataFingerprint } from '../../src/runner/fingerprint.js';
import normalize from '../../src/registry/transforms/normalize.js';
import scale from '../../src/registry/transforms/scale.js';
import type { DataFacts } from '../../src/registry/kinds.js';

const BYTES = [0, 1, 127, 255, 10, 20, 30, 40, 200, 201, 202, 203];
/** Three samples of four pixels as bytes, coded as byte / 255 (as the IDX datasets load them). */
const coded = (): Split => ({ count: 3, x: Uint8Array.from(BYTES), y: Uint8Array.from([0, 1, 2]), codes: scaledCodes(1 / 255) });
/** The same samples as the float path had them before bytes: each value byte * scale, stored as float32. */
const asFloats = (): Split => ({ count: 3, x: Float32Array.from(BYTES, (b) => b * (1 / 255)), y: Uint8Array.from([0, 1, 2]) });
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const facts: DataFacts = { sampleShape: [4], classes: 3, trainSize: 3, testSize: 3, source: 't' };
const ctx = { facts, random: () => 0 };

describe('util/split-values', () => {
  it('decodes each byte to its code', () => {
    const out = new Float32Array(6).fill(NaN);
    decodeInto(coded(), 2, 4, out, 1);
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[5]!), 'writes only the asked range');
    assert.deepEqual(Array.from(out.subarray(1, 5)), [127, 255, 10, 20].map((b) => Math.fround(b / 255)));
    assert.deepEqual(Array.from(codesOf({}).subarray(0, 3)), [0, 1, 2], 'without codes each byte is its own value');
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
    assert.deepEqual(Array.from(rowValues(split, 1, 2)), Array.from(asFloats().x.subarray(4, 12)));
    const decoded = decodedSplit(split);
    assert.ok(decoded.x instanceof Float32Array && decoded.x.buffer instanceof SharedArrayBuffer, 'decoded into shared float32');
    assert.deepEqual(Array.from(decoded.x), Array.from(asFloats().x));
    assert.equal(decoded.codes, undefined);
  });

  it('scale and normalize on bytes give the float path\'s bits, for every byte value', () => {
    const all: Split = { count: 1, x: Uint8Array.from({ length: 256 }, (_, b) => b), y: Uint8Array.from([0]), codes: scaledCodes(1 / 255) };
    const floats: Split = { count: 1, x: Float32Array.from({ length: 256 }, (_, b) => b * (1 / 255)), y: Uint8Array.from([0]) };
    for (const [name, apply] of [
      ['normalize (Fashion-MNIST)', (s: Split) => normalize.apply({ mean: 0.286, std: 0.353 }, s, ctx)],
      ['scale by 0.1', (s: Split) => scale.apply({ factor: 0.1 }, s, ctx)],
      ['scale then normalize', (s: Split) => normalize.apply({ mean: 0.5, std: 0.5 }, scale.apply({ factor: 0.3 }, s, ctx), ctx)],
    ] as const) {
      const onBytes = apply(all);
      assert.ok(onBytes.x instanceof Uint8Array, `${name}: still bytes`);
      assert.deepEqual(bits(rowValues(onBytes, 0, 1)), bits(apply(floats).x as Float32Array), name);
    }
  });

  it('makes new inputs of the same kind', () => {
    assert.ok(sameKindInputs(coded(), 4) instanceof Uint8Array);
    assert.ok(sameKindInputs(asFloats(), 4) instanceof Float32Array);
  });

  it('fingerprints coded data as the float values it stands for (runs made before bytes still resume)', () => {
    const data = (split: Split) => ({ facts, train: split, test: split });
    assert.deepEqual(dataFingerprint(data(coded())), dataFingerprint(data(asFloats())));
    const normalized = (s: Split) => normalize.apply({ mean: 0.286, std: 0.353 }, s, ctx);
    assert.deepEqual(dataFingerprint(data(normalized(coded()))), dataFingerprint(data(normalized(asFloats()))), 'normalized too');
    const other = coded();
    other.x[5] = 21;
    assert.notDeepEqual(dataFingerprint(data(other)), dataFingerprint(data(coded())));
  });
});
