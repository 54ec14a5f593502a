// Every experiments/*.yaml is also a test fixture: it validates, plans, and the committed JSON schema
// (what editors check it against) accepts it. New files are picked up automatically.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { prepare } from '../src/config/pipeline.js';
import { sweepPoints, trialPoints } from '../src/config/sweep.js';
import { committedSchemaValidator, fromRoot, runCliInProcess } from './config/support.js';
import { requireSystem } from './requirements.js';

const files = readdirSync(fromRoot('experiments'))
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

/**
 * Datasets a system package installs. An experiment on one validates without it too (inspect then
 * answers from the dataset's published shapes and notes that run would download it); reading the
 * installed headers needs the package.
 */
const SYSTEM_DATA: Record<string, { what: string; dir: string; file: string; install: string }> = {
  'fashion-mnist': {
    what: "Debian's dataset-fashion-mnist",
    dir: '/usr/share/datasets/fashion-mnist',
    file: 'train-images-idx3-ubyte.gz',
    install: 'apt-get install dataset-fashion-mnist',
  },
};

/** The system dataset an experiment file reads, unless it names a directory of its own. */
function systemData(file: string): (typeof SYSTEM_DATA)[string] | undefined {
  const dataset = (parse(readFileSync(file, 'utf8')) as { dataset?: unknown }).dataset;
  const spec = typeof dataset === 'string' ? { type: dataset } : ((dataset ?? {}) as { type?: string; dir?: string });
  return spec.dir === undefined && spec.type !== undefined ? SYSTEM_DATA[spec.type] : undefined;
}

describe('experiments/*.yaml', () => {
  const { validate } = committedSchemaValidator();

  it('holds the lecture, at least', async () => {
    assert.ok(files.includes('lecture-25-optimizers.yaml'), files.join(', '));
  });

  for (const name of files) {
    const file = fromRoot('experiments', name);

    it(`${name} validates and plans: one trial per seed, optimizer and sweep point, unique ids`, async () => {
      const { config, plan } = await prepare(file);
      assert.equal(plan.trials.length, config.seeds.length * trialPoints(config.optimizers, sweepPoints(config.sweep)).length);
      assert.equal(new Set(plan.trials.map((t) => t.id)).size, plan.trials.length);
      for (const trial of plan.trials) assert.match(trial.id, /^[\p{L}\p{N}.-]+\/seed-\d+(\/.+)?$/u);
      assert.ok(plan.data.trainSize >= config.training.batchSize);
    });

    const needs = systemData(file);
    if (needs) {
      it(`${name} reads the headers of the data installed on this machine`, async function () {
        requireSystem(this, needs.what, existsSync(join(needs.dir, needs.file)), needs.install);
        const { plan } = await prepare(file);
        assert.equal(plan.data.source, needs.dir);
        assert.equal(plan.data.notes, undefined, 'nothing to download');
      });
    }

    it(`${name} is accepted by the committed schema`, async () => {
      assert.ok(validate(parse(readFileSync(file, 'utf8'))), `${JSON.stringify(validate.errors, null, 2)}\n(a new plugin? run npm run schema)`);
    });

    it(`${name} points editors at the schema on its first line`, async () => {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      assert.equal(first, '# yaml-language-server: $schema=../schemas/experiment.schema.json');
    });
  }

  it('trainyard validate experiments/*.yaml exits 0', async () => {
    const result = await runCliInProcess(['validate', ...files.map((f) => `experiments/${f}`)]);
    assert.equal(result.status, 0, result.stderr);
    for (const name of files) assert.match(result.stdout, new RegExp(`experiments/${name.replace(/\./g, '\\.')}: valid`));
  });
});
