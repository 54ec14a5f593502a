// Resume trusts nothing it reads: the data is the run's own (fingerprint), the backend is the
// run's own unless switched on purpose, and plan.json is checked like an experiment file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNothingCorrupt, makeTempDir, readJson, runDirOf, tinyLecture, trainyard, writeExperiment } from './helpers.js';

function csv(rows: number, seed: number): string {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const [a, b, c] = [next(), next(), next()];
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${a + b > 1 ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('faults: what resume reads', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-inputs-');

  it('a training CSV changed between the kill and the resume is refused (the data fingerprint), nothing written', () => {
    writeFileSync(join(dir, 'train.csv'), csv(400, 1));
    writeFileSync(join(dir, 'test.csv'), csv(100, 2));
    const file = writeExperiment(dir, 'tab', `name: tab
dataset: {type: csv, train: train.csv, test: test.csv, labelColumn: label}
model: {layers: [{type: dense, units: 8}, relu, {type: dense, units: 2}]}
loss: crossEntropy
optimizers: [{type: sgd, lr: 0.1}, {type: adam, lr: 0.01}]
training: {epochs: 3, batchSize: 20}
backend: wasm
`);
    const out = join(dir, 'csv');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#2' }).signal, 'SIGKILL');
    const runDir = runDirOf(out, 'tab');
    const plan = readJson(join(runDir, 'plan.json'));
    assert.match(plan.data.fingerprint.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(plan.data.fingerprint.sizes, { train: 400, test: 100 });
    assert.equal(plan.backend, 'wasm');
    writeFileSync(join(dir, 'train.csv'), csv(200, 1));
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
    const resumed = trainyard(['run', '--resume', runDir]);
    assert.equal(resumed.code, 2, resumed.stderr);
    assert.match(resumed.stderr, /the data is not what the run trained on \(train 400, test 100 samples.*now train 200, test 100/);
    assert.equal(readFileSync(join(runDir, 'events.jsonl'), 'utf8'), events, 'nothing appended');
    writeFileSync(join(dir, 'train.csv'), csv(400, 1));
    assert.equal(trainyard(['run', '--resume', runDir, '--no-report']).code, 0, 'the same data again: it resumes');
  });

  it('a run on a backend that cannot start here is refused, and --backend switches on purpose, recorded per trial', function () {
    const file = writeExperiment(dir, 'blas', tinyLecture('blas', '', { backend: 'wasm-blas' }));
    const out = join(dir, 'blas');
    const first = trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#4' });
    if (first.signal !== 'SIGKILL' && /cannot run/.test(first.stderr) && !process.env.CI) this.skip(); // no OpenBLAS here
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    const runDir = runDirOf(out, 'blas');
    const noBlas = { TRAINYARD_BLAS: '/nonexistent/libcblas.so' };
    const refused = trainyard(['run', '--resume', runDir], noBlas);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /the run trained on wasm-blas, which cannot start here .*add --backend NAME/);
    const switched = trainyard(['run', '--resume', runDir, '--backend', 'wasm', '--no-report'], noBlas);
    assert.equal(switched.code, 0, switched.stderr);
    assert.match(switched.stdout, /continuing on wasm \(the run trained on wasm-blas\)/);
    const plan = readJson(join(runDir, 'plan.json'));
    assert.equal(plan.backend, 'wasm-blas', 'the run is recorded where it started');
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.equal(metrics.environment.backend, 'wasm-blas');
    for (const trial of plan.trials) {
      const done = metrics.trials.find((t: any) => t.id === trial.id);
      assert.equal(done.status, 'ok');
      if (trial.backends) {
        // A trial that had trained some epochs says so; one that had not ran on wasm alone.
        assert.deepEqual(trial.backends.map((b: any) => b.name), trial.backends[0].fromEpoch === 1 && trial.backends.length === 1 ? ['wasm'] : ['wasm-blas', 'wasm']);
        assert.deepEqual(done.backends, trial.backends, 'metrics.json says the same');
      }
      assert.ok(done.epochs.every((e: any) => !('backend' in e)), 'never inside epoch records');
    }
    assert.ok(plan.trials.some((t: any) => t.backends), 'the unfinished trials switched');
    assertNothingCorrupt(runDir);
  });

  it('plan.json is checked like an experiment: batchSize 0 and a minimal hand-made plan are located errors, not a hang or an internal error', () => {
    const file = writeExperiment(dir, 'tiny', tinyLecture('tiny'));
    const out = join(dir, 'plan');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#2' }).signal, 'SIGKILL');
    const runDir = runDirOf(out, 'tiny');
    const planText = readFileSync(join(runDir, 'plan.json'), 'utf8');
    const plan = JSON.parse(planText);
    plan.config.training.batchSize = 0;
    writeFileSync(join(runDir, 'plan.json'), JSON.stringify(plan, null, 2));
    const zero = trainyard(['run', '--resume', runDir], {}, 30000);
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(zero.stderr, /plan\.json:\d+:\d+ config\.training\.batchSize: must be >= 1/);
    writeFileSync(join(runDir, 'plan.json'), '{"formatVersion": 1, "trials": []}');
    const minimal = trainyard(['run', '--resume', runDir], {}, 30000);
    assert.equal(minimal.code, 2, minimal.stderr);
    assert.match(minimal.stderr, /plan\.json:\d+:\d+ (experiment|config|data)/);
    assert.doesNotMatch(minimal.stderr, /internal error/);
    plan.config.training.batchSize = 50;
    plan.trials[0].id = '../../../escape/seed-0';
    writeFileSync(join(runDir, 'plan.json'), JSON.stringify(plan, null, 2));
    const escape = trainyard(['run', '--resume', runDir], {}, 30000);
    assert.equal(escape.code, 2);
    assert.match(escape.stderr, /trials\[0\]: is not a trial of this config/);
    writeFileSync(join(runDir, 'plan.json'), planText);
    assert.equal(trainyard(['run', '--resume', runDir, '--no-report']).code, 0);
  });
});
