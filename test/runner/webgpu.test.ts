// Training on webgpu through the CLI, as a user runs it: every read of a tensor on the training
// path must be asynchronous (TF.js's WebGPU backend reads synchronously through an OffscreenCanvas,
// which Node lacks, so one dataSync anywhere fails the trial), and a checkpoint written on webgpu
// resumes on wasm-blas and the reverse. Tiny models: CI's adapter is lavapipe, a CPU rasterizer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRegistries } from '../../src/registry/index.js';
import { loadBackendOrSkip } from '../backends.js';
import { assertNothingCorrupt, makeTempDir, readJson, runDirOf, tinyLecture, trainyard, trialsWithoutTiming, writeExperiment } from '../faults/helpers.js';

/** Validation, early stopping with restoreBest (best weights in the checkpoint), step events: every read the runner makes. */
const EVERY_READ = `  validation: {fraction: 0.1, seed: 0}`;
const experiment = (name: string, backend: string) =>
  tinyLecture(name, '', { backend, epochs: 2, training: 'logEvery: 3, earlyStopping: {metric: valLoss, patience: 5, restoreBest: true}' }).replace(
    'dataset: {type: mnist-bundled, trainSize: 400, testSize: 100}',
    `dataset:\n  type: mnist-bundled\n  trainSize: 400\n  testSize: 100\n${EVERY_READ}`,
  );

describe('runner on webgpu (lavapipe in CI)', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-webgpu-');

  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), 'webgpu');
  });

  it('trains with validation, early stopping and checkpoints, is killed after an epoch and resumes to the same metrics', () => {
    const file = writeExperiment(dir, 'gpu', experiment('gpu', 'webgpu'));
    const straight = trainyard(['run', file, '--out', join(dir, 'straight'), '--quiet', '--no-report']);
    assert.equal(straight.code, 0, straight.stderr);
    assert.equal(straight.stderr, '', 'nothing on stderr: Dawn\'s warnings are filtered');
    const reference = readJson(join(runDirOf(join(dir, 'straight'), 'gpu'), 'metrics.json'));
    assert.equal(reference.environment.backend, 'webgpu');
    assert.deepEqual(Object.keys(reference.environment.adapter).sort(), ['architecture', 'device', 'driver', 'fallback', 'vendor']);
    for (const trial of reference.trials) {
      assert.equal(trial.status, 'ok', `${trial.id}: ${trial.error}`);
      assert.equal(trial.epochs.length, 2);
      assert.ok(trial.epochs.every((e: any) => Number.isFinite(e.valLoss) && Number.isFinite(e.testAccuracy)));
    }

    const out = join(dir, 'killed');
    const killed = trainyard(['run', file, '--out', out, '--quiet', '--no-report'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#1' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const runDir = runDirOf(out, 'gpu');
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(trialsWithoutTiming(metrics), trialsWithoutTiming(reference), 'the same backend resumes to the same figures');
    assertNothingCorrupt(runDir);
  });

  it('three worker threads open Dawn at once: each finds the adapter, and none of Dawn\'s warnings reaches stderr', () => {
    // Each capture of the process's fd 2 waits for the others (one shared lock): two at once would
    // leave stderr pointing at a deleted temp file.
    const file = writeExperiment(dir, 'three', tinyLecture('three', '', { backend: 'webgpu', epochs: 1 }));
    const result = trainyard(['run', file, '--out', join(dir, 'three'), '--workers', '3', '--quiet', '--no-report']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const metrics = readJson(join(runDirOf(join(dir, 'three'), 'three'), 'metrics.json'));
    assert.deepEqual(metrics.trials.map((t: any) => t.status), ['ok', 'ok', 'ok']);
  });

  for (const [from, to] of [['webgpu', 'wasm-blas'], ['wasm-blas', 'webgpu']] as const) {
    it(`a checkpoint written on ${from} resumes on ${to} (figures within float tolerance of a run on ${from} alone)`, async function () {
      await loadBackendOrSkip(this, createRegistries(), 'wasm-blas');
      const name = `${from}-to-${to}`;
      const file = writeExperiment(dir, name, experiment(name, from));
      assert.equal(trainyard(['run', file, '--out', join(dir, `${name}-straight`), '--quiet', '--no-report']).code, 0);
      const reference = readJson(join(runDirOf(join(dir, `${name}-straight`), name), 'metrics.json'));
      const out = join(dir, name);
      // One worker: the 3rd epochEnd is the second trial's first epoch, so it resumes mid-way on the other backend.
      const killed = trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#3' });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      const runDir = runDirOf(out, name);
      const resumed = trainyard(['run', '--resume', runDir, '--backend', to, '--no-report']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`continuing on ${to} \\(the run trained on ${from}\\)`));
      const metrics = readJson(join(runDir, 'metrics.json'));
      const switched = metrics.trials.filter((t: any) => t.backends?.length === 2);
      assert.ok(switched.length > 0, 'a trial went on from a checkpoint of the other backend');
      for (const t of switched) assert.deepEqual(t.backends.map((b: any) => b.name), [from, to]);
      metrics.trials.forEach((t: any, i: number) => {
        assert.equal(t.status, 'ok', `${t.id}: ${t.error}`);
        t.epochs.forEach((e: any, j: number) => {
          const r = reference.trials[i].epochs[j];
          // float32 sums in another order: the losses agree to ~1e-5 relative; accuracy within a digit or two.
          for (const key of ['trainLoss', 'testLoss', 'valLoss']) assert.ok(Math.abs(e[key] - r[key]) <= 1e-3 * Math.abs(r[key]), `${t.id} epoch ${e.epoch} ${key}: ${e[key]} vs ${r[key]}`);
          assert.ok(Math.abs(e.testAccuracy - r.testAccuracy) <= 0.02, `${t.id} epoch ${e.epoch} testAccuracy`);
        });
      });
      assertNothingCorrupt(runDir);
    });
  }
});
