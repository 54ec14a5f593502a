// A job is data from the network: the worker validates it before anything trains.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepare } from '../../../src/config/pipeline.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadPlugins } from '../../../src/registry/modules.js';
import { checkJob, JobRejected, moduleRef, runSpecOf, type TrialJob } from '../../../src/runner/queue/job.js';
import { makeTempDir, ROOT, smallLecture, writeExperiment } from '../../run-helpers.js';

describe('runner/queue/job', function () {
  this.timeout(60000);
  const dir = makeTempDir();
  const plugin = join(dir, 'mean-abs-error.js');
  copyFileSync(join(ROOT, 'test/fixtures/plugins/mean-abs-error.js'), plugin);
  let job: TrialJob;

  before(async () => {
    const file = writeExperiment(dir, 'jobs', smallLecture({ name: 'jobs', extra: 'plugins: [./mean-abs-error.js]\nmetrics: [loss, accuracy, meanAbsError]' }));
    const { plan } = await prepare(file);
    const run = await runSpecOf({ ...plan, backend: 'wasm', data: { ...plan.data, fingerprint: { sha256: 'f'.repeat(64), sizes: { train: 300, test: 100 } } } }, [plugin], 'redis');
    job = { format: 1, runKey: 'jobs/2026-12-01T00-00-00Z-abcdef', run, trial: plan.trials[1]!, resume: false };
  });

  async function workerWith(paths: string[]) {
    const registries = createRegistries();
    assert.deepEqual(await loadPlugins(join(dir, 'worker'), paths, registries), []);
    return { registries, modules: await Promise.all(paths.map(async (path) => ({ ...(await moduleRef(path)), path }))) };
  }

  const rejected = (pattern: RegExp) => (e: Error) => e instanceof JobRejected && pattern.test(e.message);

  it('accepts a job whose modules it has, and trains the trial it names with its own module paths', async () => {
    const w = await workerWith([plugin]);
    const checked = checkJob(job, w.registries, w.modules);
    assert.equal(checked.trial.id, 'sgd-with-momentum/seed-0');
    assert.deepEqual(checked.plan.pluginModules, [plugin]);
    assert.deepEqual(checked.plan.trials, [job.trial]);
  });

  it('refuses a job needing a module the worker lacks, or another version of it, saying which', async () => {
    assert.throws(() => checkJob(job, createRegistries(), []), rejected(/needs plugin module mean-abs-error\.js \(sha256 [0-9a-f]{12}…\), which this worker was not started with/));
    const other = join(makeTempDir(), 'mean-abs-error.js');
    writeFileSync(other, `// another version\n${(await import('node:fs')).readFileSync(plugin, 'utf8')}`);
    const w = await workerWith([other]);
    assert.throws(() => checkJob(job, w.registries, w.modules), rejected(/mean-abs-error\.js in another version/));
  });

  it('validates the config as a file is validated, and the trial against the trials it plans', async () => {
    const w = await workerWith([plugin]);
    const badConfig = { ...job, run: { ...job.run, config: { ...job.run.config, training: { ...job.run.config.training, batchSize: 0 } } } };
    assert.throws(() => checkJob(badConfig, w.registries, w.modules), rejected(/its config is not valid: config\.training\.batchSize/));
    assert.throws(() => checkJob({ ...job, trial: { ...job.trial, id: '../../etc/seed-0' } }, w.registries, w.modules), rejected(/is not a trial of its config/));
    assert.throws(() => checkJob({ ...job, trial: { ...job.trial, optimizer: { ...job.trial.optimizer, lr: 10 } } }, w.registries, w.modules), rejected(/does not match its config at 'optimizer'/));
    assert.throws(() => checkJob({ ...job, runKey: '../x' }, w.registries, w.modules), rejected(/run key/));
    assert.throws(() => checkJob({ ...job, format: 99 }, w.registries, w.modules), rejected(/format 1/));
    assert.throws(() => checkJob({ ...job, run: { ...job.run, backend: 'nope' } }, w.registries, w.modules), rejected(/backend 'nope'/));
  });
});
