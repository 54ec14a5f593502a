import assert from 'node:assert/strict';
import { openBlas } from '../../../src/kernels/blas/open.js';

describe('kernels/blas/open', () => {
  it('a library that is not there is a clear error saying what to install', async () => {
    await assert.rejects(openBlas(['/nonexistent/libopenblas.so.0']), (error: Error) => {
      assert.match(error.message, /no CBLAS library could be opened \(\/nonexistent\/libopenblas\.so\.0: /);
      assert.match(error.message, /apt-get install libopenblas0-pthread/);
      assert.match(error.message, /TRAINYARD_BLAS/);
      return true;
    });
  });

  it('a library without cblas_sgemm is refused by name', async () => {
    await assert.rejects(openBlas(['libm.so.6']), /libm\.so\.6: has no cblas_sgemm/);
  });

  it("the system's CBLAS multiplies row-major matrices, transposes as flags, beta 1 adding to C", async function () {
    let sgemm;
    try {
      ({ sgemm } = await openBlas());
    } catch (error) {
      // OpenBLAS is a Debian package CI installs; a machine without it skips this, CI fails instead.
      if (process.env.CI) throw error;
      return this.skip();
    }
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
    const b = Float32Array.from([1, 0, 0, 1, 1, 1]); // [3, 2]
    const c = new Float32Array(4);
    sgemm(false, false, 2, 2, 3, a, b, 0, c);
    assert.deepEqual(Array.from(c), [4, 5, 10, 11]);
    // aᵀ · bᵀ, a stored as [2, 3] and b as [3, 2]: a [3, 3] product added to ones.
    const d = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    sgemm(true, true, 3, 3, 2, a, b, 1, d);
    // (aᵀ)[i][k] = a[k][i]; (bᵀ)[k][j] = b[j][k]
    const want = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => 1 + a[i]! * b[2 * j]! + a[3 + i]! * b[2 * j + 1]!));
    assert.deepEqual(Array.from(d), want);
  });
});
