// TypeScript plugin modules load without a build step (tsx), in the main thread and in worker
// threads, written against the public API (`import { defineLayer } from 'trainyard'`); a syntax
// error is reported at the plugins entry and at its own FILE:LINE:COL.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeTempDir, ROOT } from '../run-helpers.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'plugins', 'typescript');
const KIT = join(ROOT, 'examples', 'plugins', 'kit-experiment.yaml');

describe('TypeScript plugin modules', function () {
  this.timeout(120000);
  const dir = makeTempDir();

  it('runs examples/plugins/kit.ts (one plugin of every kind) in worker threads', () => {
    const out = join(dir, 'kit');
    const result = cli(['run', KIT, '--out', out, '--quiet', '--no-report', '--epochs', '2', '--workers', '2']);
    assert.equal(result.code, 0, result.stderr);
    const metrics = JSON.parse(readFileSync(join(out, 'kit', readlinkSync(join(out, 'kit', 'latest')), 'metrics.json'), 'utf8'));
    assert.equal(metrics.environment.backend, 'kitCpu');
    for (const trial of metrics.trials) {
      assert.equal(trial.status, 'ok');
      assert.ok(trial.epochs[1].testTop2 >= trial.epochs[1].testAccuracy, 'top-2 accuracy is at least accuracy');
    }
    assert.equal(metrics.trials[0].epochs[1].lr, 0.01, 'kitHalving every 2 epochs: still the base lr in epoch 2');
  });

  it('reports a syntax error at the plugins entry and at FILE:LINE:COL in the module', () => {
    const file = join(dir, 'bad.yaml');
    const plugin = join(FIXTURES, 'bad-syntax.ts');
    writeFileSync(file, readFileSync(KIT, 'utf8').replace('plugins: [./kit.ts]', `plugins: [${plugin}]`));
    const result = cli(['validate', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`bad\\.yaml:6:11 plugins\\[0\\]: plugin module ${plugin.replace(/[.]/g, '\\.')} failed to load: ${plugin.replace(/[.]/g, '\\.')}:3:24: Unexpected ";"`));
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
  });

  it('loads a .ts module of a CommonJS project (its exports come back under default)', () => {
    const file = join(dir, 'cjs.yaml');
    const yaml = `name: cjs
plugins: [${join(FIXTURES, 'cjs-package', 'double.ts')}]
dataset: {type: mnist-bundled, trainSize: 100, testSize: 50, transforms: [{type: double, factor: 3}]}
model: {layers: [flatten, {type: dense, units: 10}]}
loss: crossEntropy
optimizers: [{type: sgd}]
`;
    writeFileSync(file, yaml);
    const result = cli(['validate', file]);
    assert.equal(result.code, 0, result.stderr);
  });
});
