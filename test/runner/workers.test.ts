import { createRegistries } from '../../src/registry/index.js';
// The worker count within limits.memoryMB: the default shrinks to what fits, an explicit --workers N
// that cannot fit is refused saying what would, a trial too large for a wasm heap is refused at its
// layer; through the CLI, each refusal exits 2 before anything is written.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MB, type MemoryEstimate } from '../../src/config/estimate.js';
import { ConfigError, UserError } from '../../src/util/errors.js';
import { prepare } from '../../src/config/pipeline.js';
import { chooseWorkers, fitRun, shrinkNote } from '../../src/runner/workers.js';
import { cli, makeTempDir, writeExperiment } from '../run-helpers.js';

const LECTURE = 'experiments/lecture-25-optimizers.yaml';
const lecture = readFileSync(LECTURE, 'utf8');

/** An estimate with chosen figures: the process, then one trial per entry (its worker's MB). */
const made = (processMB: number, workerMB: number[], limitMB: number): MemoryEstimate =>
  ({
    process: { bytes: processMB * MB },
    optimizers: workerMB.map((w, i) => ({ optimizer: `o${i}`, trials: 1, workerBytes: w * MB })),
    limitBytes: limitMB * MB,
  }) as never;

const userError = (work: () => unknown): UserError => {
  try {
    work();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  return assert.fail('expected a UserError');
};

const backend = (name: string) => createRegistries().backends.get(name);

describe('runner/workers: worker threads within limits.memoryMB', () => {
  // 250 MB, then workers of 300, 200 and 100 MB: 1 worker 550, 2 750, 3 850.
  const e = made(250, [300, 200, 100], 800);

  it('shrinks the default to the largest count that fits, never below one, never above the default or the trials', () => {
    assert.equal(chooseWorkers(e, { trials: 3, cpuDefault: 3 }), 2);
    assert.equal(chooseWorkers(made(250, [300, 200, 100], 10000), { trials: 3, cpuDefault: 3 }), 3);
    assert.equal(chooseWorkers(made(250, [300, 200, 100], 10000), { trials: 3, cpuDefault: 1 }), 1);
    assert.equal(chooseWorkers(made(250, [300], 10000), { trials: 1, cpuDefault: 3 }), 1);
    assert.equal(chooseWorkers(made(250, [300], 100), { trials: 1, cpuDefault: 3 }), 1);
    assert.match(shrinkNote(e, { trials: 3, cpuDefault: 3 }, 2)!, /^memory: 2 worker threads instead of 3: 3 would need about 850 MB of memory with 3 worker threads/);
    assert.equal(shrinkNote(e, { trials: 3, cpuDefault: 2 }, 2), undefined);
    assert.equal(shrinkNote(e, { trials: 3, cpuDefault: 3, requested: 2 }, 2), undefined);
  });

  it('keeps an explicit count that fits (at most one per trial), refuses one that does not with what would fit', () => {
    assert.equal(chooseWorkers(e, { trials: 3, cpuDefault: 3, requested: 2 }), 2);
    assert.equal(chooseWorkers(made(250, [300], 1000), { trials: 1, cpuDefault: 3, requested: 6 }), 1);
    const error = userError(() => chooseWorkers(e, { trials: 3, cpuDefault: 1, requested: 3 }));
    assert.equal(
      error.message,
      '--workers 3: the run needs about 850 MB of memory with 3 worker threads (the process 250 MB, the workers 600 MB), more than limits.memoryMB allows (800 MB); ' +
        '2 worker threads fit (--workers 2), or raise the limit to at least 850 MB (--set limits.memoryMB=850)',
    );
    const none = userError(() => chooseWorkers(made(250, [300, 200, 100], 500), { trials: 3, cpuDefault: 3, requested: 2 }));
    assert.match(none.message, /more than limits\.memoryMB allows \(500 MB\); not even one worker thread fits; raise the limit to at least 750 MB/);
  });

  it('fitRun: the estimate for the loaded backend, with the chosen count, in the plan it returns', async () => {
    const prepared = await prepare(LECTURE, { sets: [{ flag: '--set', text: 'limits.memoryMB=450' }] });
    const fitted = fitRun(prepared, backend('wasm-blas'));
    // 351 MB with one worker, 428 with two, 499 with three.
    assert.equal(fitted.workers, 2);
    assert.match(fitted.note!, /^memory: 2 worker threads instead of 3/);
    assert.deepEqual([fitted.plan.estimates!.backend, fitted.plan.estimates!.workers, Math.round(fitted.plan.estimates!.runBytes! / MB)], ['wasm-blas', 2, 428]);
    assert.equal(prepared.plan.estimates!.workers, undefined, 'the prepared plan is left as it was');
    const cpu = fitRun(prepared, backend('cpu'), 1);
    assert.deepEqual([cpu.workers, cpu.plan.estimates!.backend, cpu.note], [1, 'cpu', undefined]);
    // Native TensorFlow uses every core itself: one worker, whatever the memory.
    assert.equal(fitRun(await prepare(LECTURE), backend('tensorflow')).workers, 1);
  });

  it('fitRun refuses a trial too large for a wasm heap: located in the file, or by key without one (--resume)', async () => {
    const dir = makeTempDir();
    const file = writeExperiment(dir, 'huge', lecture.replace('{type: dense, units: 400}', '{type: dense, units: 140000}'));
    const prepared = await prepare(file, { sets: [{ flag: '--set', text: 'limits.memoryMB=100000' }] });
    assert.throws(() => fitRun(prepared, backend('wasm')), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual([error.problems[0]!.line, error.problems[0]!.path], [7, 'model.layers[1].units']);
      return true;
    });
    const { source: _source, ...fromPlanJson } = prepared;
    const error = userError(() => fitRun(fromPlanJson, backend('wasm-blas')));
    assert.match(error.message, /^model\.layers\[1\]\.units: a trial \(Adam\) needs a heap of about 4\.\d GB on the wasm-blas backend/);
    assert.equal(fitRun(prepared, backend('cpu')).workers >= 1, true, 'cpu has no such bound');
  });

  describe('through the CLI: exit 2, the message, nothing written', function () {
    this.timeout(120000);

    it('--workers 3 where 2 fit', () => {
      const out = join(makeTempDir(), 'runs');
      const result = cli(['run', LECTURE, '--out', out, '--quiet', '--workers', '3', '--set', 'limits.memoryMB=450']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^trainyard: --workers 3: the run needs about 499 MB of memory with 3 worker threads .*; 2 worker threads fit \(--workers 2\), or raise the limit to at least 499 MB/m);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
      assert.equal(existsSync(out), false, `${out}: ${existsSync(out) ? readdirSync(out).join(', ') : ''}`);
    });

    it('a layer too wide for a wasm heap, before the data loads', () => {
      const dir = makeTempDir();
      const file = writeExperiment(dir, 'huge', lecture.replace('{type: dense, units: 400}', '{type: dense, units: 140000}'));
      const out = join(dir, 'runs');
      const result = cli(['run', file, '--out', out, '--quiet', '--backend', 'wasm', '--set', 'limits.memoryMB=100000']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /huge\.yaml:7:\d+ model\.layers\[1\]\.units: a trial \(Adam\) needs a heap of about 4\.\d GB on the wasm backend/);
      assert.equal(existsSync(out), false);
    });
  });
});
