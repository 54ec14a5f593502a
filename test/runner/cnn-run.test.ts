// Convolutional experiments end to end on a few hundred bundled digits: batch norm's state in the
// checkpoints and final weights (evaluate reproduces the recorded figures), the confusion matrix,
// reconstruction grids, the report's sections, and evaluate's .npy outputs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, writeExperiment } from '../run-helpers.js';
import { readBundle } from '../../src/runner/bundle.js';

const runDirOf = (out: string, experiment: string) => join(out, experiment, readlinkSync(join(out, experiment, 'latest')));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The shape and dtype in an .npy file's header. */
function npyHeader(path: string): { descr: string; shape: number[]; bytes: number } {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const length = bytes.readUInt16LE(8);
  assert.equal((10 + length) % 64, 0, 'header padded to 64 bytes');
  const header = bytes.subarray(10, 10 + length).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr: /'descr': '([^']+)'/.exec(header)![1]!, shape, bytes: bytes.length - 10 - length };
}

describe('convolutional experiments end to end', function () {
  this.timeout(300000);
  const dir = makeTempDir();
  const out = join(dir, 'runs');

  describe('a CNN with batch norm (classification)', () => {
    let runDir: string;
    before(async () => {
      const file = writeExperiment(dir, 'cnn', `name: tiny-cnn
dataset: {type: mnist-bundled, trainSize: 200, testSize: 100}
model:
  layers: [{type: conv2d, outChannels: 4, kernelSize: 3, padding: 1}, batchNorm, relu, {type: maxPool2d, kernelSize: 2}, flatten, {type: dense, units: 10}]
loss: crossEntropy
optimizers: [{name: Adam, type: adam, lr: 0.01}]
training: {epochs: 2, batchSize: 50}
backend: wasm
`);
      const result = await cliInProcess(['run', file, '--out', out, '--workers', '1']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      runDir = runDirOf(out, 'tiny-cnn');
    });

    it('records the confusion matrix and per-class accuracy of the final weights, and the report shows them', () => {
      const [trial] = readJson(join(runDir, 'metrics.json')).trials;
      const { matrix, perClassAccuracy } = trial.confusion;
      assert.equal(matrix.length, 10);
      assert.equal(matrix.flat().reduce((a: number, b: number) => a + b, 0), 100);
      const correct = matrix.reduce((n: number, row: number[], c: number) => n + row[c]!, 0);
      assert.ok(Math.abs(correct / 100 - trial.epochs.at(-1).testAccuracy) < 1e-9, 'the diagonal is the test accuracy');
      perClassAccuracy.forEach((a: number, c: number) => assert.ok(Math.abs(a - matrix[c][c] / matrix[c].reduce((x: number, y: number) => x + y, 0)) < 1e-12));
      const html = readFileSync(join(runDir, 'report.html'), 'utf8');
      assert.match(html, /<section id="classes"><h2>Per class<\/h2>/);
    });

    it('keeps the running statistics in the checkpoint and the final weights; evaluate uses them', async () => {
      const base = join(runDir, 'checkpoints', 'adam', 'seed-0');
      const checkpoint = await readBundle<unknown>(join(base, readdirSync(base).find((n) => n.startsWith('epoch-'))!), 'checkpoint');
      assert.ok(checkpoint.tensors.has('state/0') && checkpoint.tensors.has('state/2'), `checkpoint tensors: ${[...checkpoint.tensors.keys()]}`);
      const result = await cliInProcess(['evaluate', runDir]);
      assert.equal(result.code, 0, result.stderr);
      const row = result.stdout.split('\n').find((l) => l.startsWith('adam/seed-0'))!;
      const figures = row.trim().split(/\s+/).slice(2).map(Number);
      // testLoss recorded, now; testAccuracy recorded, now: the same weights and statistics give the same figures.
      assert.ok(Math.abs(figures[0]! - figures[1]!) < 1e-5 && figures[2] === figures[3], row);
    });
  });

  describe('a convolutional denoising autoencoder (reconstruction)', () => {
    let runDir: string;
    before(async () => {
      const file = writeExperiment(dir, 'cae', `name: tiny-cae
dataset: {type: mnist-bundled, trainSize: 200, testSize: 50, transforms: [{type: addNoise, std: 0.3}]}
model:
  layers: [{type: conv2d, outChannels: 4, kernelSize: 3, padding: 1}, relu, {type: maxPool2d, kernelSize: 2},
           {type: convTranspose2d, outChannels: 1, kernelSize: 2, stride: 2}, sigmoid]
loss: mse
optimizers: [{name: Adam, type: adam, lr: 0.01}]
training: {epochs: 2, batchSize: 50, samples: {images: 4}}
backend: wasm
`);
      const result = await cliInProcess(['run', file, '--out', out, '--workers', '1']);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      runDir = runDirOf(out, 'tiny-cae');
    });

    it('measures mse, psnr and ssim every epoch (the reconstruction defaults) and has no confusion matrix', () => {
      const [trial] = readJson(join(runDir, 'metrics.json')).trials;
      for (const epoch of trial.epochs) {
        assert.ok(epoch.testMse > 0 && epoch.testMse < 1, `testMse ${epoch.testMse}`);
        assert.ok(epoch.testPsnr > 0, `testPsnr ${epoch.testPsnr}`);
        assert.ok(epoch.testSsim > -1 && epoch.testSsim <= 1, `testSsim ${epoch.testSsim}`);
      }
      assert.equal(trial.confusion, undefined);
    });

    it('writes a PNG grid per epoch under samples/<trial id>/ and the report embeds them', () => {
      for (const epoch of [1, 2]) {
        const png = readFileSync(join(runDir, 'samples', 'adam', 'seed-0', `epoch-${epoch}.png`));
        assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
        // 4 images of 28 + 2 px gaps wide, 3 rows (noisy, reconstruction, clean) high.
        assert.equal(png.readUInt32BE(16), 4 * 30 + 2);
        assert.equal(png.readUInt32BE(20), 3 * 30 + 2);
      }
      const html = readFileSync(join(runDir, 'report.html'), 'utf8');
      assert.match(html, /<section id="samples">/);
      assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, 2);
    });

    it('evaluate --save-predictions and --save-targets write .npy files numpy reads', async () => {
      const [p, t] = [join(dir, 'p.npy'), join(dir, 't.npy')];
      const result = await cliInProcess(['evaluate', runDir, '--trial', 'adam/seed-0', '--save-predictions', p, '--save-targets', t]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(npyHeader(p), { descr: '<f4', shape: [50, 1, 28, 28], bytes: 50 * 784 * 4 });
      assert.deepEqual(npyHeader(t), { descr: '<f4', shape: [50, 784], bytes: 50 * 784 * 4 });
      assert.ok(existsSync(p) && result.stdout.includes('wrote'));
    });
  });

  it('evaluate --save-predictions needs --trial when the run has several trials', async () => {
    const file = writeExperiment(dir, 'two', `name: two
dataset: {type: mnist-bundled, trainSize: 100, testSize: 50}
model: {layers: [flatten, {type: dense, units: 10}]}
loss: crossEntropy
optimizers: [sgd, adam]
training: {epochs: 1, batchSize: 50}
backend: wasm
`);
    assert.equal((await cliInProcess(['run', file, '--out', out, '--workers', '1'])).code, 0);
    const result = await cliInProcess(['evaluate', runDirOf(out, 'two'), '--save-predictions', join(dir, 'x.npy')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--save-predictions writes one trial's outputs: give --trial ID \(trials: sgd\/seed-0, adam\/seed-0\)/);
  });
});
