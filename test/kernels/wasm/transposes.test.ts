// Plain wasm's products with transposes, which its kernels compute on explicit transposes: the same
// values as the float64 product, the same bits as transposing first, nothing left on the heap.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { Random } from '../../../src/util/random.js';

const registries = createRegistries();

function values(count: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => random.next() * 2 - 1);
}

/** The float64 product op(a)·op(b) of the last two axes, batch by batch (a batch of one broadcasts). */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): number[] {
  const matrices = (t: tf.Tensor, transpose: boolean) => {
    const rows = t.arraySync() as number[][] | number[][][];
    const batch = (t.rank === 2 ? [rows] : rows) as number[][][];
    return batch.map((m) => (transpose ? m[0]!.map((_, j) => m.map((row) => row[j]!)) : m));
  };
  const [as, bs] = [matrices(a, ta), matrices(b, tb)];
  const out: number[] = [];
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const [x, y] = [as[as.length === 1 ? 0 : i]!, bs[bs.length === 1 ? 0 : i]!];
    for (const row of x) for (let c = 0; c < y[0]!.length; c++) out.push(row.reduce((s, v, k) => s + v * y[k]![c]!, 0));
  }
  return out;
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));
const numDataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('kernels/wasm/transposes', () => {
  before(async () => {
    await registries.backends.get('wasm').load({ backends: registries.backends });
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [7, 5], b: [7, 3], ta: true, tb: false },
    { a: [5, 7], b: [3, 7], ta: false, tb: true },
    { a: [7, 5], b: [3, 7], ta: true, tb: true },
    { a: [2, 7, 5], b: [2, 7, 3], ta: true, tb: false },
    { a: [2, 5, 7], b: [3, 7], ta: false, tb: true },
    { a: [1, 7], b: [3, 7], ta: false, tb: true },
  ];
  for (const { a: sa, b: sb, ta, tb } of cases) {
    it(`matMul [${sa}]${ta ? 'ᵀ' : ''} · [${sb}]${tb ? 'ᵀ' : ''}: the float64 product, the bits of transposing first, one output on the heap`, () => {
      const a = tf.tensor(values(sa.reduce((x, y) => x * y), 1), sa);
      const b = tf.tensor(values(sb.reduce((x, y) => x * y), 2), sb);
      const before = numDataIds();
      const out = tf.matMul(a, b, ta, tb);
      assert.equal(numDataIds(), before + 1, 'the transposed copies are freed');
      const want = reference(a, b, ta, tb);
      Array.from(out.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `[${i}] ${v} vs ${want[i]}`));
      const swap = (t: tf.Tensor) => tf.transpose(t, [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));
      const explicit = tf.matMul(ta ? swap(a) : a, tb ? swap(b) : b);
      assert.deepEqual(bits(out), bits(explicit));
      tf.dispose([a, b, out, explicit]);
    });
  }

  it('fused products with transposes, bias and ReLU', () => {
    const a = tf.tensor2d(values(35, 3), [7, 5]);
    const b = tf.tensor2d(values(21, 4), [3, 7]);
    const bias = tf.tensor1d([0.5, -0.25, 0]);
    const out = tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias, activation: 'relu' });
    const want = reference(a, b, true, true).map((v, i) => Math.max(0, v + [0.5, -0.25, 0][i % 3]!));
    assert.deepEqual(out.shape, [5, 3]);
    Array.from(out.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5, `[${i}] ${v} vs ${want[i]}`));
    assert.ok(want.some((v) => v === 0) && want.some((v) => v > 0), 'the case has both signs');
    tf.dispose([a, b, bias, out]);
  });

  it("autodiff's products (which transpose) give cpu's gradients", async () => {
    const grads = () => {
      const a = tf.tensor2d(values(12, 5), [4, 3]);
      const b = tf.tensor2d(values(6, 6), [3, 2]);
      const out = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]).map((g) => Array.from(g.dataSync()));
      return out;
    };
    const ours = grads();
    await tf.setBackend('cpu');
    try {
      const theirs = grads();
      ours.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - theirs[i]![j]!) <= 1e-5, `grad ${i}[${j}]`)));
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
