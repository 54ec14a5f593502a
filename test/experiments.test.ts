// Every experiments/*.yaml is also a test fixture: it validates, plans, and the committed JSON schema
// (what editors check it against) accepts it. New files are picked up automatically.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { prepare } from '../src/config/pipeline.js';
import { committedSchemaValidator, fromRoot, runCli } from './config/support.js';

const files = readdirSync(fromRoot('experiments'))
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

describe('experiments/*.yaml', () => {
  const { validate } = committedSchemaValidator();

  it('holds the lecture, at least', () => {
    assert.ok(files.includes('lecture-25-optimizers.yaml'), files.join(', '));
  });

  for (const name of files) {
    const file = fromRoot('experiments', name);

    it(`${name} validates and plans: one trial per seed and optimizer, unique ids`, async () => {
      const { config, plan } = await prepare(file);
      assert.equal(plan.trials.length, config.seeds.length * config.optimizers.length);
      assert.equal(new Set(plan.trials.map((t) => t.id)).size, plan.trials.length);
      for (const trial of plan.trials) assert.match(trial.id, /^[\p{L}\p{N}.-]+\/seed-\d+(\/.+)?$/u);
      assert.ok(plan.data.trainSize >= config.training.batchSize);
    });

    it(`${name} is accepted by the committed schema`, () => {
      assert.ok(validate(parse(readFileSync(file, 'utf8'))), `${JSON.stringify(validate.errors, null, 2)}\n(a new plugin? run npm run schema)`);
    });

    it(`${name} points editors at the schema on its first line`, () => {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      assert.equal(first, '# yaml-language-server: $schema=../schemas/experiment.schema.json');
    });
  }

  it('trainyard validate experiments/*.yaml exits 0', () => {
    const result = runCli(['validate', ...files.map((f) => `experiments/${f}`)]);
    assert.equal(result.status, 0, result.stderr);
    for (const name of files) assert.match(result.stdout, new RegExp(`experiments/${name.replace(/\./g, '\\.')}: valid`));
  });
});
