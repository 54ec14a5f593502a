// In the fault suite's step (npm run test:faults): it measures fresh processes for about 30 s.
// The memory estimate against what a run really takes: for the worker count the run chooses, the
// estimate in plan.json must be within ±30% of metrics.json's peakRssMB (the process's max RSS).
// Two epochs: the first checkpoint (written after epoch 1) is part of the peak; the lecture's peak
// grows by about 10% more over ten epochs, inside the margin.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeTempDir, writeExperiment } from '../run-helpers.js';

const MB = 1024 * 1024;

/** Runs an experiment with the CLI and returns the estimate for the chosen workers and the measured peak. */
function measure(file: string, name: string): { estimateMB: number; peakMB: number; workers: number; started: number } {
  const out = join(makeTempDir(), 'runs');
  const result = cli(['run', file, '--out', out, '--quiet', '--no-report', '--epochs', '2'], { timeout: 600000 });
  assert.equal(result.code, 0, result.stderr);
  const runDir = join(out, name, readlinkSync(join(out, name, 'latest')));
  const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8'));
  const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
  const runStart = JSON.parse(readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n')[0]!);
  return { estimateMB: plan.estimates.runBytes / MB, peakMB: metrics.peakRssMB, workers: plan.estimates.workers, started: runStart.workers };
}

function assertWithin30(m: ReturnType<typeof measure>): void {
  assert.equal(m.workers, m.started, 'the estimate is for the workers the run started');
  const ratio = m.estimateMB / m.peakMB;
  assert.ok(ratio >= 0.7 && ratio <= 1.3, `estimate ${m.estimateMB.toFixed(0)} MB for ${m.workers} workers, peak RSS ${m.peakMB.toFixed(0)} MB: ratio ${ratio.toFixed(2)}`);
}

describe('runner: the memory estimate holds for real runs (±30% of peak RSS)', function () {
  this.timeout(600000);

  it('the lecture (3 trials, one worker each)', () => {
    assertWithin30(measure('experiments/lecture-25-optimizers.yaml', 'lecture-25-optimizers'));
  });

  it('a wide model: 4,000 units, where the trials dominate', () => {
    const dir = makeTempDir();
    const text = readFileSync('experiments/lecture-25-optimizers.yaml', 'utf8')
      .replace('name: lecture-25-optimizers', 'name: wide')
      .replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, trainSize: 2000, testSize: 2000}')
      .replace('{type: dense, units: 400}', '{type: dense, units: 4000}');
    const m = measure(writeExperiment(dir, 'wide', text), 'wide');
    assert.ok(m.estimateMB > 700, `the trials make up most of it (${m.estimateMB.toFixed(0)} MB)`);
    assertWithin30(m);
  });
});
