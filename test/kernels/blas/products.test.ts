import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { openBlas } from '../../../src/kernels/blas/index.js';
import { kernelsFor } from '../../../src/kernels/index.js';
import { createRegistries } from '../../../src/registry/index.js';
import { Random } from '../../../src/util/random.js';

/** OpenBLAS is a Debian package CI installs; a machine without it skips these, CI fails instead. */
async function blasOrSkip(ctx: Mocha.Context): Promise<void> {
  try {
    await openBlas();
  } catch (error) {
    if (process.env.CI) throw error;
    ctx.skip();
  }
}

/** Row-major [rows, cols] values, seeded. */
function values(count: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => random.next() * 2 - 1);
}

/** op(A)·op(B) in float64, batch by batch; a batch of 1 broadcasts. */
function reference(a: Float32Array, b: Float32Array, batches: [number, number], m: number, k: number, n: number, ta: boolean, tb: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(...batches); i++) {
    const ao = batches[0] === 1 ? 0 : i * m * k;
    const bo = batches[1] === 1 ? 0 : i * k * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += a[ao + (ta ? j * m + r : r * k + j)]! * b[bo + (tb ? c * k + j : j * n + c)]!;
        out.push(sum);
      }
    }
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-5 * (1 + Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('kernels/blas/products: matrix products on wasm-blas', function () {
  before(async function () {
    await blasOrSkip(this);
    const registries = createRegistries();
    await registries.backends.get('wasm-blas').load({ backends: registries.backends });
    assert.equal(tf.getBackend(), 'wasm-blas');
  });

  const cases: { shapes: [number[], number[]]; ta: boolean; tb: boolean }[] = [];
  for (const ta of [false, true]) for (const tb of [false, true]) cases.push({ shapes: [ta ? [5, 3] : [3, 5], tb ? [4, 5] : [5, 4]], ta, tb });
  cases.push({ shapes: [[2, 3, 5], [2, 5, 4]], ta: false, tb: false });
  cases.push({ shapes: [[2, 5, 3], [2, 4, 5]], ta: true, tb: true });
  cases.push({ shapes: [[2, 3, 5], [5, 4]], ta: false, tb: false });
  cases.push({ shapes: [[3, 5], [2, 5, 4]], ta: false, tb: false });
  cases.push({ shapes: [[1, 3, 5], [2, 5, 4]], ta: false, tb: false });
  cases.push({ shapes: [[100, 784], [784, 40]], ta: false, tb: false });

  for (const { shapes, ta, tb } of cases) {
    it(`matMul [${shapes[0]}]${ta ? 'ᵀ' : ''} · [${shapes[1]}]${tb ? 'ᵀ' : ''} equals the float64 product`, () => {
      const [sa, sb] = shapes;
      const batchOf = (s: number[]) => s.slice(0, -2).reduce((x, y) => x * y, 1);
      const m = ta ? sa.at(-1)! : sa.at(-2)!;
      const k = ta ? sa.at(-2)! : sa.at(-1)!;
      const n = tb ? sb.at(-2)! : sb.at(-1)!;
      const a = values(sa.reduce((x, y) => x * y), 1);
      const b = values(sb.reduce((x, y) => x * y), 2);
      const batches: [number, number] = [batchOf(sa), batchOf(sb)];
      const out = tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb);
      assert.deepEqual(out.shape, [...(batches[0] >= batches[1] ? sa : sb).slice(0, -2), m, n]);
      assertClose(out.dataSync(), reference(a, b, batches, m, k, n, ta, tb), 'product');
    });
  }

  it('fused bias and ReLU: bias added to every row, negatives zeroed, bias of one value broadcast', () => {
    const a = values(3 * 5, 3);
    const b = values(5 * 4, 4);
    const bias = values(4, 5);
    const plain = reference(a, b, [1, 1], 3, 5, 4, false, false);
    const withBias = plain.map((v, i) => Math.fround(Math.fround(v) + bias[i % 4]!));
    const linear = tf.fused.matMul({ a: tf.tensor2d(a, [3, 5]), b: tf.tensor2d(b, [5, 4]), bias: tf.tensor1d(bias) });
    assertClose(linear.dataSync(), withBias, 'linear');
    const relu = tf.fused.matMul({ a: tf.tensor2d(a, [3, 5]), b: tf.tensor2d(b, [5, 4]), bias: tf.tensor1d(bias), activation: 'relu' });
    assertClose(relu.dataSync(), withBias.map((v) => Math.max(0, v)), 'relu');
    assert.ok(withBias.some((v) => v < 0) && withBias.some((v) => v > 0), 'the case has both signs');
    const scalarBias = tf.fused.matMul({ a: tf.tensor2d(a, [3, 5]), b: tf.tensor2d(b, [5, 4]), bias: tf.tensor1d([0.5]) });
    assertClose(scalarBias.dataSync(), plain.map((v) => v + 0.5), 'one-value bias');
  });

  it('activations it does not fuse itself still work (through the wasm kernel)', () => {
    const a = values(2 * 3, 6);
    const b = values(3 * 2, 7);
    const out = tf.fused.matMul({ a: tf.tensor2d(a, [2, 3]), b: tf.tensor2d(b, [3, 2]), activation: 'elu' });
    const expected = reference(a, b, [1, 1], 2, 3, 2, false, false).map((v) => (v > 0 ? v : Math.expm1(v)));
    assertClose(out.dataSync(), expected, 'elu');
  });

  it('empty products: K = 0 gives zeros, M = 0 gives an empty tensor', () => {
    assert.deepEqual(Array.from(tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 3])).dataSync()), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(tf.matMul(tf.zeros([0, 4]), tf.zeros([4, 3])).shape, [0, 3]);
  });

  it('mismatched inner dimensions are TF.js\'s error', () => {
    assert.throws(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 2])), /inner shapes \(3\) and \(4\)/);
  });

  it('gradients of matMul flow through the same kernels', () => {
    const a = tf.tensor2d(values(4 * 3, 8), [4, 3]);
    const b = tf.tensor2d(values(3 * 2, 9), [3, 2]);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
    // d/dA sum(AB) = 1·Bᵀ (each row: the row sums of B); d/dB = Aᵀ·1 (each column: A's column sums).
    const bv = b.arraySync();
    const av = a.arraySync();
    assertClose(da!.dataSync(), av.flatMap(() => bv.map((row) => row[0]! + row[1]!)), 'dA');
    assertClose(db!.dataSync(), [0, 1, 2].flatMap((j) => [0, 1].map(() => av.reduce((s, row) => s + row[j]!, 0))), 'dB');
  });

  it('Identity shares the data instead of copying it, and either tensor can be disposed first', () => {
    const a = tf.tensor1d([1, 2, 3]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const b = tf.clone(a);
    assert.equal(backend.numDataIds(), before, 'no new data');
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
    b.dispose();
    assert.equal(backend.numDataIds(), before - 1, 'freed with the last reference');
    const s = tf.clone(tf.tensor1d(['x'], 'string'));
    assert.deepEqual(s.dataSync(), ['x']);
  });

  describe('operands that live on another backend (moved onto the heap inside the kernel, which grows it)', () => {
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    /** Rows of `cols` values that alone need more than the whole heap has now. */
    const rowsToGrow = (cols: number) => Math.ceil(heap().length / 4 / cols) + 1024;
    const onCpu = async <T>(make: () => T): Promise<T> => {
      await tf.setBackend('cpu');
      const made = make();
      await tf.setBackend('wasm-blas');
      return made;
    };

    it('denseForward (_FusedMatMul) with bias and ReLU', async () => {
      const rows = rowsToGrow(3);
      const [a, b, bias] = await onCpu(() => [tf.tensor2d(values(rows * 3, 41), [rows, 3]), tf.tensor2d(values(6, 42), [3, 2]), tf.tensor1d([0.25, -0.5])]);
      const before = heap().buffer;
      // The kernel itself (as the dense layer calls it): tf.fused.matMul would move them in a Reshape first.
      const out = kernelsFor(tf).denseForward!(a, b, bias, true);
      assert.notEqual(heap().buffer, before, 'the heap grew');
      const got = out.slice([rows - 2, 0], [2, 2]).dataSync();
      const av = a.slice([rows - 2, 0], [2, 3]).dataSync();
      const bv = b.dataSync();
      const want = [0, 1, 2, 3].map((i) => Math.max(0, av[(i >> 1) * 3]! * bv[i & 1]! + av[(i >> 1) * 3 + 1]! * bv[2 + (i & 1)]! + av[(i >> 1) * 3 + 2]! * bv[4 + (i & 1)]! + [0.25, -0.5][i & 1]!));
      assertClose(got, want, 'last rows');
      tf.dispose([a, b, bias, out]);
    });

    it('denseBackward: dW, db and dx', async () => {
      const rows = rowsToGrow(2);
      const [dy, x, y, w] = await onCpu(() => [
        tf.tensor2d(values(rows * 2, 43), [rows, 2]),
        tf.tensor2d(values(rows * 2, 44), [rows, 2]),
        tf.tensor2d(values(rows * 2, 45), [rows, 2]),
        tf.tensor2d(values(4, 46), [2, 2]),
      ]);
      const expected = await onCpu(() => {
        const dz = tf.where(tf.greater(y, 0), dy, tf.zerosLike(dy));
        return [tf.matMul(x, dz, true, false), tf.sum(dz, 0), tf.matMul(dz, w, false, true)].map((t) => t.dataSync());
      });
      const before = heap().buffer;
      const grads = kernelsFor(tf).denseBackward!({ dy, x, y, w, relu: true, bias: true, inputGrad: true });
      const outs = [grads.dw, grads.db!, grads.dx!];
      assert.notEqual(heap().buffer, before, 'the heap grew');
      assertClose(outs[0]!.dataSync(), expected[0]!, 'dW');
      assertClose(outs[1]!.dataSync(), expected[1]!, 'db');
      const dx = outs[2]!.dataSync();
      assertClose(dx.subarray(0, 64), expected[2]!.subarray(0, 64), 'dx');
      tf.dispose([dy, x, y, w, ...outs]);
    });
  });
});
