// The committed schemas/experiment.schema.json: generated from the registries (no drift), draft-07,
// and as strict as the validator where JSON Schema can say it (every bad fixture marked schemaError).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SCHEMA_FILE, schemaText } from '../../src/commands/schema.js';
import { prepare } from '../../src/config/pipeline.js';
import { createRegistries } from '../../src/registry/index.js';
import { BAD_DIR, BAD_EXPECTED, committedSchemaValidator, fromRoot, runCliInProcess, tempDir } from '../config/support.js';

describe('commands/schema', () => {
  const { schema, validate } = committedSchemaValidator();

  it('the committed schema is what the registries generate now', async () => {
    assert.equal(SCHEMA_FILE, fromRoot('schemas', 'experiment.schema.json'));
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    assert.ok(committed === schemaText(), 'schemas/experiment.schema.json is out of date with the plugin registries: run `npm run schema` and commit it');
  });

  it('is JSON Schema draft-07 and prints on trainyard schema', async () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const result = await runCliInProcess(['schema']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, schemaText());
  });

  it('offers every registered plugin type and its params to editors', async () => {
    const text = schemaText();
    const registries = createRegistries();
    for (const kind of ['datasets', 'layers', 'losses', 'optimizers', 'metrics', 'backends'] as const) {
      for (const plugin of registries[kind].list()) {
        assert.ok(text.includes(JSON.stringify(plugin.type)), `${kind} ${plugin.type}`);
        for (const [param, spec] of Object.entries(plugin.params.properties)) {
          assert.ok(text.includes(JSON.stringify(spec.description)), `${plugin.type}.${param}: its description`);
        }
      }
    }
  });

  const schemaErrors = Object.entries(BAD_EXPECTED).filter(([, e]) => e.schemaError);
  it('has bad fixtures marked as schema errors', () => assert.ok(schemaErrors.length >= 20, String(schemaErrors.length)));

  for (const [name, expected] of schemaErrors) {
    it(`rejects ${name} (${expected.path || 'the file'})`, async () => {
      const data = parse(readFileSync(join(BAD_DIR, name), 'utf8'));
      assert.equal(validate(data), false, `the committed schema accepts ${name}`);
    });
  }

  it('agrees with the validator on valid variations of the lecture', async () => {
    const lecture = readFileSync(fromRoot('experiments', 'lecture-25-optimizers.yaml'), 'utf8');
    const variations = [
      lecture.replace(/optimizers:\n(  - .*\n)+/, 'optimizers: [sgd, adam]\n'),
      lecture.replace('{name: Adam, type: adam, lr: 1.0e-4}', '{type: adam, betas: [0.8, 0.99], amsgrad: true}'),
      lecture.replace('dataset: mnist-bundled', 'dataset: {type: mnist-bundled, trainSize: 500, testSize: 100, splitSeed: 3}'),
      lecture.replace('relu, {type: dense, units: 10}', '{type: dropout, rate: 0.2}, {type: dense, units: 10, activation: linear, useBias: false}'),
      lecture.replace('loss: crossEntropy', 'loss: {type: crossEntropy, labelSmoothing: 0.1}').replace('backend: auto', 'backend: cpu'),
      `${lecture}metrics: [accuracy]\ndescription: other\n`.replace(/^description: SGD.*\n/m, ''),
    ];
    const { dir, cleanup } = tempDir();
    try {
      for (const [i, text] of variations.entries()) {
        assert.notEqual(text, lecture, `variation ${i} changed nothing`);
        const file = join(dir, `v${i}.yaml`);
        writeFileSync(file, text);
        await prepare(file);
        assert.ok(validate(parse(text)), `variation ${i}: ${JSON.stringify(validate.errors)}`);
      }
    } finally {
      cleanup();
    }
  });
});
