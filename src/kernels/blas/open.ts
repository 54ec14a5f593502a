// The system's CBLAS (OpenBLAS by default) opened through koffi, for the matrix products of the
// wasm-blas backend. Measured on the project's machines: sgemm at ~85 GFLOP/s on one core against
// ~34 for XNNPACK in wasm, whose fully-connected operator also re-packs its right operand whenever
// that tensor changes.
import { chooseOpenBlasCore } from './core-type.js';

/** C = op(A)·op(B) + beta·C for row-major float32 arrays; op is a transpose when its flag is set. */
export type Sgemm = (transposeA: boolean, transposeB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, beta: 0 | 1, c: Float32Array) => void;

/** Library names tried in order when TRAINYARD_BLAS does not name one. */
export const BLAS_LIBRARIES = ['libopenblas.so.0', 'libopenblas.so', 'libopenblas.dylib'];

/**
 * Opens a CBLAS library and returns its single-precision matrix product. Threads: one per library,
 * because trainyard already runs one trial per core in parallel workers.
 */
export async function openBlas(libraries: string[] = process.env.TRAINYARD_BLAS ? [process.env.TRAINYARD_BLAS] : BLAS_LIBRARIES): Promise<{ sgemm: Sgemm; library: string }> {
  let koffi: Pick<typeof import('koffi'), 'load'>;
  try {
    koffi = (await import('koffi')).default;
  } catch (error) {
    throw new Error(`koffi (the FFI it calls BLAS through) cannot load here: ${(error as Error).message.split('\n')[0]}`);
  }
  // Before the first load: OpenBLAS reads its kernel choice once, as it initialises.
  chooseOpenBlasCore(koffi as never);
  const failures: string[] = [];
  for (const library of libraries) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(library);
    } catch (error) {
      failures.push(`${library}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    let cblasSgemm: (...args: unknown[]) => void;
    try {
      cblasSgemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)');
    } catch {
      failures.push(`${library}: has no cblas_sgemm`);
      continue;
    }
    try {
      lib.func('void openblas_set_num_threads(int)')(1);
    } catch {
      // Not OpenBLAS: its own thread setting (e.g. MKL_NUM_THREADS) applies.
    }
    const ROW_MAJOR = 101;
    const NO_TRANS = 111;
    const TRANS = 112;
    const sgemm: Sgemm = (ta, tb, m, n, k, a, b, beta, c) =>
      cblasSgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, beta, c, n);
    return { sgemm, library };
  }
  throw new Error(`no CBLAS library could be opened (${failures.join('; ')}); on Debian or Ubuntu: apt-get install libopenblas0-pthread, or set TRAINYARD_BLAS to a CBLAS library's path`);
}
