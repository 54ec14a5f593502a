// model.init.weights and training.order are checked before anything trains: every missing, extra
// or misshapen tensor named with both shapes, at the line of the key that names the file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors } from '../../src/util/safetensors.js';
import { encodeNpyInt32 } from '../../src/util/npy.js';
import { cliInProcess, makeTempDir, ROOT } from '../run-helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'golden', 'replay');
const base = readFileSync(join(ROOT, 'examples', 'replay-torch', 'replay.yaml'), 'utf8').replace(/\.\.\/\.\.\/test\/fixtures\/golden\/replay\//g, `${FIXTURE}/`);
const zeros = (...shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

describe('inspect: initial weights and batch order files', () => {
  const dir = makeTempDir();
  const validate = async (yaml: string) => {
    const file = join(dir, `e${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return { file, ...(await cliInProcess(['validate', file])) };
  };

  it('accepts the torch fixture', async () => {
    const { code, stderr } = await validate(base);
    assert.equal(code, 0, stderr);
  });

  it('names each missing, extra and misshapen tensor with both shapes, at model.init.weights', async () => {
    const weights = join(dir, 'bad.safetensors');
    writeFileSync(
      weights,
      encodeSafetensors([
        { name: '1.weight', ...zeros(12, 16) }, // TF.js's layout, not torch's [out, in]
        { name: '1.bias', ...zeros(16) },
        { name: '3.weight', ...zeros(3, 16) },
        { name: '5.weight', ...zeros(3, 3) },
      ]),
    );
    const { code, stderr, file } = await validate(base.replace(`${FIXTURE}/init.safetensors`, weights));
    assert.equal(code, 2);
    const at = new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+ model\\.init\\.weights: ${weights.replace(/[.]/g, '\\.')}: `);
    assert.match(stderr, new RegExp(at.source + "tensor '1\\.weight' is \\[12, 16\\] but model\\.layers\\[1\\] \\(dense\\) needs \\[16, 12\\]"));
    assert.match(stderr, /tensor '3\.bias' is missing: model\.layers\[3\] \(dense\) needs \[3\]/);
    assert.match(stderr, /tensor '5\.weight' \[3, 3\] is not in the model \(it has 1\.weight, 1\.bias, 3\.weight, 3\.bias\)/);
  });

  it('refuses a file that is neither safetensors nor a bundle, and a damaged safetensors file', async () => {
    const other = join(dir, 'weights.pt');
    writeFileSync(other, 'x');
    assert.match((await validate(base.replace(`${FIXTURE}/init.safetensors`, other))).stderr, /model\.init\.weights: cannot read the initial weights: .*weights\.pt: expected a \.safetensors file/);
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, readFileSync(join(FIXTURE, 'init.safetensors')).subarray(0, 1000));
    assert.match((await validate(base.replace(`${FIXTURE}/init.safetensors`, truncated))).stderr, /not a valid safetensors file: the data is truncated/);
    const missing = (await validate(base.replace(`${FIXTURE}/init.safetensors`, join(dir, 'nowhere.safetensors')))).stderr;
    assert.match(missing, /model\.init\.weights: cannot read the initial weights: .*nowhere\.safetensors/);
  });

  it('checks the order: [epochs, trainSize] integers within the training set', async () => {
    const short = join(dir, 'short.npy');
    writeFileSync(short, encodeNpyInt32(new Int32Array(2 * 240), [2, 240]));
    assert.match((await validate(base.replace(`${FIXTURE}/order.npy`, short))).stderr, /training\.order: cannot use the batch order: .*short\.npy: a batch order must be \[epochs, trainSize\] = \[3, 240\] \(or more rows\).*this one is \[2, 240\]/);
    const outside = join(dir, 'outside.npy');
    const values = new Int32Array(3 * 240);
    values[300] = 240;
    writeFileSync(outside, encodeNpyInt32(values, [3, 240]));
    assert.match((await validate(base.replace(`${FIXTURE}/order.npy`, outside))).stderr, /row 1, column 60: index 240 is outside the training set \(0 to 239\)/);
    const floats = join(dir, 'floats.npy');
    writeFileSync(floats, Buffer.from(encodeNpyInt32(new Int32Array(720), [3, 240])).toString('latin1').replace("'<i4'", "'<f4'"), 'latin1');
    assert.match((await validate(base.replace(`${FIXTURE}/order.npy`, floats))).stderr, /its dtype is <f4; a batch order is integers/);
  });

  it('refuses a model whose every layer with parameters is frozen, at the first trainable: false', async () => {
    const frozen = base.replace('{type: dense, units: 16}', '{type: dense, units: 16, trainable: false}').replace('{type: dense, units: 3}', '{type: dense, units: 3, trainable: false}');
    const { code, stderr } = await validate(frozen);
    assert.equal(code, 2);
    assert.match(stderr, /:\d+:\d+ model\.layers\[1\]\.trainable: every layer with parameters is frozen \(trainable: false\): the optimizers would have nothing to train/);
    assert.equal((await validate(base.replace('{type: dense, units: 16}', '{type: dense, units: 16, trainable: false}'))).code, 0);
  });
});
