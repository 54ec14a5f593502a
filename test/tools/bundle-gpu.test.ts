// npm run bundle:gpu: the directory must stay within what a device command carries (64 MiB) and
// work with nothing of this checkout around it (a copy in a temp directory, no node_modules above).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, ROOT } from '../run-helpers.js';

const sizeOf = (path: string): number => (statSync(path).isDirectory() ? readdirSync(path).reduce((s, n) => s + sizeOf(join(path, n)), 0) : statSync(path).size);
const node = (args: string[], cwd: string, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 240000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('tools/bundle-gpu', function () {
  this.timeout(300000);

  it('builds a directory under 64 MiB whose CLI loads its backends and trains the lecture outside the checkout', function () {
    const out = join(makeTempDir('trainyard-gpu-bundle-'), 'bundle');
    const built = node([join(ROOT, 'dist/tools/bundle-gpu.js'), '--out', out], ROOT);
    assert.equal(built.code, 0, built.stderr);
    assert.ok(sizeOf(out) < 64 * 1024 * 1024, `${sizeOf(out)} bytes`);
    for (const file of ['app.js', 'worker.js', 'run.sh', 'lecture.yaml', 'node_modules/webgpu/dist/linux-x64/dawn.node', 'chunks/tfjs-backend-wasm-simd.wasm', 'data/train-images-idx3-ubyte.gz']) {
      assert.ok(existsSync(join(out, file)), file);
    }
    assert.ok((statSync(join(out, 'run.sh')).mode & 0o100) !== 0, 'run.sh is executable');

    const valid = node(['app.js', 'validate', 'lecture.yaml'], out);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /valid \(3 trials, about .+ with \d+ workers?; 8000 training \/ 2000 test samples\)/);
    const list = node(['app.js', 'list', 'backends'], out);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^wasm: can start$/m);
    assert.match(list.stdout, /^webgpu: (can start \(adapter: .*\)|cannot start: .+)$/m);
    assert.doesNotMatch(list.stdout, /cannot start: .*(enableProdMode|Cannot find|ENOENT)/, 'every bundled module is found');

    // Without the optional package webgpu (npm install --omit=optional), webgpu cannot start and says why.
    rmSync(join(out, 'node_modules', 'webgpu'), { recursive: true });
    const without = node(['app.js', 'list', 'backends'], out);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stdout, /^webgpu: cannot start: the npm package webgpu is not installed\. It needs/m);
    assert.match(without.stdout, /^auto picks: (wasm-blas|wasm)$/m);

    // One CPU epoch (lavapipe's would take a minute or more), then the script's figures.
    const runs = join(out, 'runs');
    const trained = node(['app.js', 'run', 'lecture.yaml', '--backend', 'wasm', '--epochs', '1', '--out', runs, '--no-report', '--quiet'], out);
    assert.equal(trained.code, 0, trained.stderr);
    const figures = node(['ms-per-step.mjs', runs], out);
    assert.equal(figures.code, 0, figures.stderr);
    assert.match(figures.stdout, /^wasm: ok$/m);
    assert.match(figures.stdout, /Adam: \d+\.\d\d ms\/step over 1 epochs .*test accuracy 0\.\d{4}/);
  });
});
