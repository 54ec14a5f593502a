// The resource guards: inspect refuses a plan whose smallest run (one worker thread) exceeds
// limits.memoryMB, and a run refuses a trial too large for a wasm heap, each at the key that drives it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { estimateMemory, formatBytes, heapProblem, MB } from '../../src/config/estimate.js';
import { prepare } from '../../src/config/pipeline.js';
import { configError, LECTURE, runCli, show, tempDir, writeExperimentIn } from './support.js';

const lecture = readFileSync(LECTURE, 'utf8');

describe('config/memory-problems: refusing what cannot fit', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());
  const write = (text: string) => writeExperimentIn(dir, text);

  const refused = async (text: string, sets: string[] = []) => {
    const error = await configError(prepare(write(text), { sets: sets.map((s) => ({ flag: '--set', text: s })) }));
    assert.equal(error.problems.length, 1, show(error.problems));
    return error.problems[0]!;
  };

  it('refuses a plan over the limit at the widest layer, with the figures', async () => {
    const problem = await refused(lecture.replace('{type: dense, units: 400}', '{type: dense, units: 1048576}'));
    assert.equal(problem.path, 'model.layers[1].units');
    assert.equal(problem.line, 7);
    assert.match(problem.message, /needs about 51\.4 GB of memory with one worker thread, more than limits\.memoryMB allows \(8,192 MB\)/);
    assert.match(problem.message, /1,091,570,442 parameters × 7 copies × 4 bytes/);
    assert.match(problem.message, /this layer holds the most parameters: make it smaller, or raise the limit/);
  });

  it('points at batchSize, evalBatchSize, the dataset or the limit when they drive the estimate', async () => {
    const wide = lecture.replace('{type: dense, units: 400}', '{type: dense, units: 4000}');
    const batch = await refused(wide.replace('batchSize: 100', 'batchSize: 8000'), ['limits.memoryMB=512']);
    assert.equal(batch.path, 'training.batchSize');
    assert.match(batch.message, /training activations 415 MB \(batchSize 8,000 × 4,266 values × 4 bytes × 3, and the batch\)/);
    assert.match(batch.message, /use a smaller batchSize or narrower layers \(the widest is model\.layers\[1\]\)/);

    const evaluation = await refused(
      lecture
        .replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, trainSize: 5000, testSize: 5000}')
        .replace('{type: dense, units: 400}', '{type: dense, units: 20000}')
        .replace(/optimizers:\n(  - .*\n)+/, 'optimizers:\n  - {name: SGD, type: sgd, lr: 1.0e-4}\n')
        .replace('shuffle: true', 'shuffle: true, evalBatchSize: 5000'),
      ['limits.memoryMB=600'],
    );
    assert.equal(evaluation.path, 'training.evalBatchSize');
    assert.match(evaluation.message, /evaluation activations 387 MB \(evalBatchSize 5,000\)/);

    const noisy = lecture
      .replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, transforms: [flatten, addNoise], validation: {fraction: 0.25}}')
      .replace('layers: [flatten, ', 'layers: [')
      .replace('{type: dense, units: 10}', '{type: dense, units: 784}')
      .replace('loss: crossEntropy', 'loss: mse');
    const data = await refused(noisy, ['limits.memoryMB=300']);
    assert.equal(data.path, 'dataset');
    assert.match(data.message, /data 59\.8 MB \(10,000 samples\) and 182 MB that loading it leaves/);
    assert.equal(data.flag, undefined, 'located in the file, at the dataset');

    const fixed = await refused(lecture, ['limits.memoryMB=40']);
    assert.equal(fixed.path, 'limits.memoryMB');
    assert.equal(fixed.flag, '--set limits.memoryMB=40');
    assert.match(fixed.message, /Node and TF\.js on wasm-blas 110 MB and 50\.0 MB for the worker thread/);
    assert.match(fixed.message, /most of it is Node and TF\.js themselves: raise the limit/);
  });

  it('takes limits.memoryMB from the file or from --set', async () => {
    await prepare(LECTURE, { sets: [{ flag: '--set', text: 'limits.memoryMB=400' }] });
    const problem = await refused(`${lecture}limits: {memoryMB: 20}\n`);
    assert.match(problem.message, /allows \(20 MB\)/);
    assert.equal(problem.line, 16);
    const { plan } = await prepare(write(`${lecture}limits: {memoryMB: 20}\n`), { sets: [{ flag: '--set', text: 'limits.memoryMB=400' }] });
    assert.equal(plan.estimates!.limitBytes, 400 * MB);
  });

  it('heapProblem: a trial whose heap outgrows 4 GB on wasm, at its heaviest layer; none on cpu', async () => {
    // 140,000 units: 7 copies of 145.7 million parameters.
    const text = lecture.replace('{type: dense, units: 400}', '{type: dense, units: 140000}');
    const { config, registries, data } = await prepare(write(text), { sets: [{ flag: '--set', text: 'limits.memoryMB=100000' }] });
    const wasm = estimateMemory(config, registries, data, 'wasm');
    const problem = heapProblem(config, registries, data, wasm);
    assert.deepEqual(problem?.path, ['model', 'layers', 1, 'units']);
    assert.match(problem!.message, /^a trial \(Adam\) needs a heap of about 4\.\d GB on the wasm backend/);
    assert.match(problem!.message, /more than the 4\.0 GB one worker thread's heap can grow to/);
    assert.match(problem!.message, /145,742,826 parameters × 7 copies/);
    assert.match(problem!.message, /make it smaller, or use a backend without that bound \(--backend cpu/);
    assert.equal(heapProblem(config, registries, data, estimateMemory(config, registries, data, 'cpu')), undefined);
    // 125,000 units fit: measured, a 3.8 GB heap.
    const fits = await prepare(write(lecture.replace('{type: dense, units: 400}', '{type: dense, units: 125000}')), { sets: [{ flag: '--set', text: 'limits.memoryMB=100000' }] });
    assert.equal(heapProblem(fits.config, fits.registries, fits.data, estimateMemory(fits.config, fits.registries, fits.data, 'wasm-blas')), undefined);
  });

  it('trainyard plan prints the estimate; validate refuses with exit 2', () => {
    const plan = runCli(['plan', 'experiments/lecture-25-optimizers.yaml']);
    assert.equal(plan.status, 0, plan.stderr);
    assert.equal(JSON.parse(plan.stdout).estimates.optimizers[0].optimizer, 'Adam');
    const validate = runCli(['validate', 'experiments/lecture-25-optimizers.yaml', '--set', 'limits.memoryMB=10']);
    assert.equal(validate.status, 2);
    assert.match(validate.stderr, /lecture-25-optimizers\.yaml \(--set limits\.memoryMB=10\) limits\.memoryMB: the plan needs about 351 MB of memory with one worker thread/);
  });

  it('formats bytes as people read them', () => {
    assert.deepEqual([formatBytes(1000), formatBytes(5 * MB), formatBytes(300 * MB), formatBytes(3 * 1024 * MB)], ['1 KB', '5.0 MB', '300 MB', '3.0 GB']);
  });
});
