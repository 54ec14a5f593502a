import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpuFlags, openBlasCoreFor } from '../../../src/kernels/blas/core-type.js';
import { ROOT } from '../../run-helpers.js';

describe('kernels/blas/core-type', () => {
  it('names the kernels the CPU flags can run: AVX-512 SkylakeX, AVX2 with FMA Haswell, else none', () => {
    const flags = (s: string) => new Set(s.split(' '));
    assert.equal(openBlasCoreFor(flags('sse2 avx avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd')), 'SkylakeX');
    assert.equal(openBlasCoreFor(flags('sse2 avx avx2 fma avx512f')), 'Haswell', 'a partial AVX-512 set is not enough');
    assert.equal(openBlasCoreFor(flags('sse2 avx avx2 fma')), 'Haswell');
    assert.equal(openBlasCoreFor(flags('sse2 avx avx2')), undefined);
    assert.equal(openBlasCoreFor(new Set()), undefined);
  });

  it('reads the first processor\'s flags from /proc/cpuinfo text', () => {
    const text = 'processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n\nprocessor\t: 1\nflags\t\t: other\n';
    assert.deepEqual([...cpuFlags(text)], ['fpu', 'sse2', 'avx2', 'fma']);
    assert.deepEqual([...cpuFlags('nothing here')], []);
  });

  const OPEN = `${ROOT}/dist/src/kernels/blas/open.js`;
  const scripts = {
    'main thread': `import(${JSON.stringify(OPEN)}).then((m) => m.openBlas())`,
    'worker thread': `const { Worker } = require('node:worker_threads'); new Worker(${JSON.stringify(`import(${JSON.stringify(OPEN)}).then((m) => m.openBlas())`)}, { eval: true })`,
  };
  for (const [where, script] of Object.entries(scripts)) {
    it(`sets OPENBLAS_CORETYPE where OpenBLAS reads it, from a ${where}, and leaves the user's own alone`, function () {
      const expected = openBlasCoreFor(cpuFlags());
      if (process.platform !== 'linux' || process.arch !== 'x64' || !expected) return this.skip();
      const { OPENBLAS_CORETYPE: _, ...unset } = process.env;
      // OpenBLAS prints the core it chose as it loads when OPENBLAS_VERBOSE=2.
      const run = (env: NodeJS.ProcessEnv) => {
        const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...env, OPENBLAS_VERBOSE: '2' } });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout + r.stderr;
      };
      assert.match(run(unset), new RegExp(`Core: ${expected}`, 'i'));
      assert.match(run({ ...unset, OPENBLAS_CORETYPE: 'Haswell' }), /Core: Haswell/i);
    });
  }
});
