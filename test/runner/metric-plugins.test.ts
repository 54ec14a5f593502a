// A metric is defined once, without its split: the runner records it on every split it measures
// (testX, valX), early stopping can watch it, and the report charts it like the built-in ones.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, ROOT, smallLecture, writeExperiment } from '../run-helpers.js';

describe('runner: metrics of the user, recorded per split and charted', function () {
  this.timeout(120000);

  it('records testMeanAbsError and valMeanAbsError every epoch, and the report charts them', async () => {
    const dir = makeTempDir();
    const yaml = smallLecture({
      name: 'mae',
      optimizers: '  - {type: adam}',
      extra: `plugins: [${join(ROOT, 'test', 'fixtures', 'plugins', 'mean-abs-error.js')}]\nmetrics: [loss, accuracy, meanAbsError]`,
    })
      .replace('testSize: 100}', 'testSize: 100, validation: {fraction: 0.2}}')
      .replace('batchSize: 50}', 'batchSize: 50, earlyStopping: {metric: valMeanAbsError, patience: 5}}');
    const out = join(dir, 'runs');
    const result = await cliInProcess(['run', writeExperiment(dir, 'mae', yaml), '--out', out, '--quiet', '--workers', '0']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const runDir = join(out, 'mae', 'latest');
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    for (const epoch of metrics.trials[0].epochs) {
      for (const key of ['testLoss', 'testAccuracy', 'testMeanAbsError', 'valLoss', 'valAccuracy', 'valMeanAbsError']) {
        assert.equal(typeof epoch[key], 'number', key);
      }
      assert.ok(epoch.testMeanAbsError > 0 && epoch.testMeanAbsError < 1);
    }
    assert.ok(existsSync(join(runDir, 'charts', 'test-mean-abs-error.svg')));
    assert.ok(existsSync(join(runDir, 'charts', 'validation-mean-abs-error.svg')));
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.match(html, /Test mean abs error/);
    assert.match(html, />test mean abs error</);
  });

  it('a metric plugin whose key carries a split is refused, saying how to name it', async () => {
    const dir = makeTempDir();
    const plugin = join(dir, 'bad-metric.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(plugin, "export default [{ kind: 'metric', type: 'm', key: 'testM', summary: 's', params: { type: 'object', properties: {} }, create: () => ({}) }];\n");
    const yaml = smallLecture({ name: 'badm', extra: 'plugins: [./bad-metric.mjs]' });
    const result = await cliInProcess(['validate', writeExperiment(dir, 'badm', yaml)]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /metric 'm' needs key: its name without a split, like 'ssim' \(recorded as testSsim, valSsim\), got 'testM'/);
  });
});
