// Warnings: models that validate but are almost surely wrong (a loss its last layer defeats), located
// at the layer like an error, printed by validate and plan, never failing them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatWarning } from '../../src/util/errors.js';
import { prepare } from '../../src/config/pipeline.js';
import { fromRoot, LECTURE, runCliInProcess, tempDir } from './support.js';

const LAYERS = '[flatten, {type: dense, units: 400}, relu, {type: dense, units: 256}, relu, {type: dense, units: 10}]';

/** The lecture (small splits) with other layers and loss, and maybe a dataset line. */
const lecture = (layers: string, loss: string, dataset = 'dataset: {type: mnist-bundled, trainSize: 200, testSize: 100}') =>
  readFileSync(LECTURE, 'utf8').replace(LAYERS, layers).replace('loss: crossEntropy', `loss: ${loss}`).replace('dataset: mnist-bundled', dataset);

describe('config/warnings', () => {
  let dir: string;
  let cleanup: () => void;
  before(() => ({ dir, cleanup } = tempDir()));
  after(() => cleanup());
  let count = 0;
  const warningsOf = async (text: string) => {
    const file = join(dir, `w${++count}.yaml`);
    writeFileSync(file, text);
    const { warnings } = await prepare(file);
    return warnings.map((w) => [w.line, w.col, w.path, w.message]);
  };

  it('nll after a layer that gives no log-probabilities: at that layer, and validation passes', async () => {
    assert.deepEqual(await warningsOf(lecture(LAYERS, 'nll')), [
      [
        7,
        87,
        'model.layers[5]',
        "loss 'nll' expects log-probabilities, but the last layer 'dense' does not give them, so the loss can fall without bound: add logSoftmax after it, or use loss: crossEntropy, which applies log-softmax itself",
      ],
    ]);
    const [[, , path, message]] = await warningsOf(lecture('[flatten, {type: dense, units: 10}, softmax]', 'nll'));
    assert.equal(path, 'model.layers[2]');
    assert.match(message as string, /^loss 'nll' expects log-probabilities, but softmax gives probabilities: use logSoftmax here/);
    assert.deepEqual(await warningsOf(lecture('[flatten, {type: dense, units: 10}, logSoftmax]', 'nll')), []);
  });

  it('softmax right before crossEntropy, which applies log-softmax itself (logSoftmax there is harmless)', async () => {
    const [[line, col, path, message]] = await warningsOf(lecture('[flatten, {type: dense, units: 10}, softmax]', 'crossEntropy'));
    assert.deepEqual([line, col, path], [7, 47, 'model.layers[2]']);
    assert.match(message as string, /^loss 'crossEntropy' applies log-softmax itself, so the scores go through softmax twice/);
    assert.deepEqual(await warningsOf(lecture('[flatten, {type: dense, units: 10}, logSoftmax]', 'crossEntropy')), []);
    assert.deepEqual(await warningsOf(lecture('[flatten, softmax, {type: dense, units: 10}]', 'crossEntropy')), [], 'a softmax inside the model is a choice');
  });

  it('mse or l1 after logSoftmax; after softmax only when the targets are not class rows', async () => {
    const [[, , path, message]] = await warningsOf(lecture('[flatten, {type: dense, units: 10}, logSoftmax]', 'l1'));
    assert.equal(path, 'model.layers[2]');
    assert.match(message as string, /^logSoftmax gives log-probabilities \(all <= 0\), which loss 'l1' compares with the targets as they are/);
    const softmax = '[flatten, {type: dense, units: 10}, softmax]';
    assert.deepEqual(await warningsOf(lecture(softmax, 'mse')), [], 'class labels become one-hot rows: a softmax fits them');
    assert.deepEqual(await warningsOf(lecture(softmax, 'mse', 'dataset: {type: mnist-bundled, trainSize: 200, testSize: 100, transforms: [oneHot]}')), []);
    const autoencoder = readFileSync(fromRoot('experiments', 'denoising-autoencoder.yaml'), 'utf8').replace('{type: dense, units: 784, activation: sigmoid}', '{type: dense, units: 784}, softmax');
    const [[, , at, why]] = await warningsOf(autoencoder.replace('../schemas', 'schemas'));
    assert.equal(at, 'model.layers[2]');
    assert.match(why as string, /^softmax makes each sample's 784 outputs sum to 1, but loss 'mse' compares them with value targets that are not one-hot class rows/);
  });

  it('none for a user plugin layer last (it may give anything), nor for any experiment shipped', async () => {
    const swish = fromRoot('examples', 'plugins', 'swish.js');
    assert.deepEqual(await warningsOf(`plugins: [${swish}]\n${lecture('[flatten, {type: dense, units: 10}, swish]', 'nll')}`), []);
    for (const name of readdirSync(fromRoot('experiments')).filter((f) => f.endsWith('.yaml'))) {
      const { warnings } = await prepare(fromRoot('experiments', name));
      assert.deepEqual(warnings, [], name);
    }
  });

  it('validate and plan print them on stderr, FILE:LINE:COL path: warning: ..., and still succeed', async () => {
    const file = join(dir, 'nll.yaml');
    writeFileSync(file, lecture(LAYERS, 'nll'));
    const expected = `${file}:7:87 model.layers[5]: warning: loss 'nll' expects log-probabilities`;
    const validated = await runCliInProcess(['validate', file]);
    assert.equal(validated.status, 0, validated.stderr);
    assert.match(validated.stdout, /nll\.yaml: valid \(3 trials/);
    assert.ok(validated.stderr.startsWith(expected), validated.stderr);
    const planned = await runCliInProcess(['plan', file]);
    assert.equal(planned.status, 0, planned.stderr);
    assert.equal(JSON.parse(planned.stdout).trials.length, 3);
    assert.ok(planned.stderr.startsWith(expected), planned.stderr);
  });

  it('keeps control characters from the input escaped (here from a --set flag, named where the value came from)', async () => {
    const result = await runCliInProcess(['validate', LECTURE, '--set', 'model.layers=[flatten, {type: dense, units: 10}, softmax] #\u001b[2J\u0007']);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(result.stderr), JSON.stringify(result.stderr));
    assert.ok(result.stderr.includes('(--set model.layers=[flatten, {type: dense, units: 10}, softmax] #\\u001b[2J\\u0007) model.layers[2]: warning: '), result.stderr);
    const line = formatWarning({ file: 'exp\u001b[31m.yaml', line: 1, col: 2, path: 'model.layers[0]', message: 'm' });
    assert.equal(line, 'exp\\u001b[31m.yaml:1:2 model.layers[0]: warning: m');
  });
});
