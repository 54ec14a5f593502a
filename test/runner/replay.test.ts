// A PyTorch run replayed step for step: examples/replay-torch/replay.yaml starts from torch's
// initial state_dict (safetensors) and takes torch's batches (order.npy); every step's loss, every
// epoch's figures and the final weights (model.safetensors, torch's names) match what
// scripts/golden-replay.py recorded from torch 1.13, to float32 tolerance.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../src/util/safetensors.js';
import { cliInProcess, makeTempDir, ROOT } from '../run-helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'golden', 'replay');
const EXAMPLE = join(ROOT, 'examples', 'replay-torch', 'replay.yaml');
const golden = JSON.parse(readFileSync(join(FIXTURE, 'trajectory.json'), 'utf8')) as {
  optimizers: Record<string, { steps: number[]; epochs: { trainLoss: number; testLoss: number; testAccuracy: number }[]; final: Record<string, { shape: number[]; values: number[] }> }>;
};

const latest = (out: string, name: string) => join(out, name, readlinkSync(join(out, name, 'latest')));
const events = (run: string) => readFileSync(join(run, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** |a - b| <= atol + rtol |b| for every value, else an assertion naming the first that is not. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol = 2e-6, rtol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const [a, b] = [actual[i]!, expected[i]!];
    assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${what}[${i}]: ${a} vs torch's ${b}`);
  }
}

async function replay(out: string, file = EXAMPLE, backend = 'wasm'): Promise<string> {
  const result = await cliInProcess(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '0', '--backend', backend]);
  assert.equal(result.code, 0, result.stderr);
  return latest(out, 'replay-torch');
}

describe('replaying a PyTorch run (model.init + training.order)', function () {
  this.timeout(120000);
  const dir = makeTempDir();

  for (const backend of ['wasm', 'cpu']) {
    it(`matches torch's trajectory step for step for SGD, momentum and Adam (${backend})`, async () => {
      const run = await replay(join(dir, `out-${backend}`), EXAMPLE, backend);
      const log = events(run);
      const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
      for (const [name, expected] of Object.entries(golden.optimizers)) {
        const id = `${name}/seed-0`;
        const steps = log.filter((e) => e.type === 'step' && e.trialId === id).map((e) => e.loss);
        assertClose(steps, expected.steps, `${name} step losses`);
        const trial = metrics.trials.find((t: { id: string }) => t.id === id);
        assertClose(trial.epochs.map((e: { trainLoss: number }) => e.trainLoss), expected.epochs.map((e) => e.trainLoss), `${name} trainLoss`);
        assertClose(trial.epochs.map((e: { testLoss: number }) => e.testLoss), expected.epochs.map((e) => e.testLoss), `${name} testLoss`);
        assertClose(trial.epochs.map((e: { testAccuracy: number }) => e.testAccuracy), expected.epochs.map((e) => e.testAccuracy), `${name} testAccuracy`);
        const { tensors } = await readSafetensors(join(run, 'weights', name, 'seed-0', 'model.safetensors'));
        assert.deepEqual([...tensors.keys()], ['1.weight', '1.bias', '3.weight', '3.bias']);
        for (const [key, want] of Object.entries(expected.final)) {
          assert.deepEqual(tensors.get(key)!.shape, want.shape, `${name} ${key} shape`);
          assertClose(tensors.get(key)!.data, want.values, `${name} final ${key}`, 1e-5, 1e-4);
        }
      }
    });
  }

  it('reads F64 weights narrowed to float32: the same run as from F32', async () => {
    const yaml = readFileSync(EXAMPLE, 'utf8').replace(/\.\.\/\.\.\/test\/fixtures\/golden\/replay\//g, `${FIXTURE}/`).replace('init.safetensors', 'init-f64.safetensors');
    const file = join(dir, 'f64.yaml');
    writeFileSync(file, yaml);
    const [a, b] = [await replay(join(dir, 'f64'), file), await replay(join(dir, 'f32'))];
    const strip = (run: string) => JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).trials.map((t: { epochs: object[] }) => t.epochs.map(({ seconds: _s, cumulativeSeconds: _c, ...e }: any) => e));
    assert.deepEqual(strip(a), strip(b));
  });

  it('trainable: false keeps a layer as it was given; the other layers train', async () => {
    const yaml = readFileSync(EXAMPLE, 'utf8')
      .replace(/\.\.\/\.\.\/test\/fixtures\/golden\/replay\//g, `${FIXTURE}/`)
      .replace('{type: dense, units: 16}', '{type: dense, units: 16, trainable: false}');
    const file = join(dir, 'frozen.yaml');
    writeFileSync(file, yaml);
    const run = await replay(join(dir, 'frozen'), file);
    const init = (await readSafetensors(join(FIXTURE, 'init.safetensors'))).tensors;
    for (const name of Object.keys(golden.optimizers)) {
      const final = (await readSafetensors(join(run, 'weights', name, 'seed-0', 'model.safetensors'))).tensors;
      assert.deepEqual(final.get('1.weight')!.data, init.get('1.weight')!.data, `${name}: the frozen layer moved`);
      assert.deepEqual(final.get('1.bias')!.data, init.get('1.bias')!.data);
      assert.notDeepEqual(final.get('3.weight')!.data, init.get('3.weight')!.data, `${name}: the last layer did not train`);
    }
  });

  it('starts from a run\'s own weights.json (a trainyard bundle) as from the same weights in safetensors', async () => {
    const first = await replay(join(dir, 'bundle-src'));
    const bundleDir = join(dir, 'bundle');
    const yaml = readFileSync(EXAMPLE, 'utf8').replace(/\.\.\/\.\.\/test\/fixtures\/golden\/replay\//g, `${FIXTURE}/`);
    const fromBundle = yaml.replace(`${FIXTURE}/init.safetensors`, join(first, 'weights', 'adam', 'seed-0', 'weights.json'));
    const fromTorch = yaml.replace(`${FIXTURE}/init.safetensors`, join(first, 'weights', 'adam', 'seed-0', 'model.safetensors'));
    writeFileSync(join(dir, 'from-bundle.yaml'), fromBundle);
    writeFileSync(join(dir, 'from-torch.yaml'), fromTorch);
    const a = await replay(bundleDir, join(dir, 'from-bundle.yaml'));
    const b = await replay(join(dir, 'torch'), join(dir, 'from-torch.yaml'));
    const epochs = (run: string) => JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).trials.map((t: any) => t.epochs.map((e: any) => [e.trainLoss, e.testLoss]));
    assert.deepEqual(epochs(a), epochs(b));
  });
});
