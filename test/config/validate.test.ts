// validate(): the experiment's shape, then every plugin reference against its registry and params
// schema. Pure: it reads nothing and changes nothing; all problems come out at once.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { ProblemsError, formatPath, type Problem } from '../../src/util/errors.js';
import { MAX_SEED } from '../../src/config/experiment-schema.js';
import { buildEditorSchema } from '../../src/config/editor-schema.js';
import { pluginSlots, validate } from '../../src/config/validate.js';
import { Random } from '../../src/util/random.js';
import { createRegistries } from '../../src/registry/index.js';
import { deepFreeze, LECTURE } from './support.js';

const registries = createRegistries();
const lecture = (): Record<string, any> => parse(readFileSync(LECTURE, 'utf8'));

/** The problems validate() throws for this data (fails the test when it accepts it). */
function problemsOf(data: unknown): Problem[] {
  try {
    validate(data, registries);
  } catch (error) {
    if (error instanceof ProblemsError) return error.problems;
    throw error;
  }
  return assert.fail('validate accepted it');
}

const byPath = (problems: Problem[]) => Object.fromEntries(problems.map((p) => [formatPath(p.path), p.message]));

describe('config/validate', () => {
  it('accepts the lecture and returns its input unchanged (deep-frozen input, no defaults added)', () => {
    const data = deepFreeze(lecture());
    const snapshot = JSON.stringify(data);
    const result = validate(data, registries);
    assert.equal(JSON.stringify(result), snapshot);
    assert.equal(result.training?.evalBatchSize, undefined, 'defaults are normalize’s job');
  });

  it('accepts bare names, mappings without params, and an optimizer without a name', () => {
    const data = { ...lecture(), dataset: { type: 'mnist-bundled' }, optimizers: ['sgd', { type: 'adam' }], backend: 'cpu', metrics: ['accuracy'] };
    assert.doesNotThrow(() => validate(data, registries));
  });

  it('reports every problem at once, each at its own path', () => {
    const data = lecture();
    data.optimizers[0].lr = -1;
    data.optimizers[2].type = 'adamm';
    data.training.epochs = 0;
    data.model.layers[1] = { type: 'dense', units: 400, activaton: 'relu' };
    data.extra = true;
    const found = byPath(problemsOf(data));
    assert.deepEqual(Object.keys(found).sort(), ['extra', 'model.layers[1].activaton', 'optimizers[0].lr', 'optimizers[2].type', 'training.epochs']);
    assert.match(found['optimizers[0].lr'], /must be > 0 \(got -1\)/);
    assert.match(found['optimizers[2].type'], /unknown optimizer 'adamm'; did you mean 'adam'\? \(valid: sgd, adam/);
    assert.match(found['model.layers[1].activaton'], /unknown parameter 'activaton' for layer 'dense'; did you mean 'activation'\?/);
    assert.match(found['model.layers[1].activaton'], /valid: units, activation, useBias/);
  });

  it('points unknown keys at the key itself, other problems at the value', () => {
    const data = lecture();
    data.training.epocs = 3;
    data.training.batchSize = 0;
    const problems = problemsOf(data);
    assert.equal(problems.find((p) => formatPath(p.path) === 'training.epocs')?.at, 'key');
    assert.notEqual(problems.find((p) => formatPath(p.path) === 'training.batchSize')?.at, 'key');
  });

  it('says which keys the top level has and suggests the nearest', () => {
    const data = lecture();
    data.optimisers = data.optimizers;
    delete data.optimizers;
    const found = byPath(problemsOf(data));
    assert.match(found.optimisers, /unknown key 'optimisers'; did you mean 'optimizers'\?.*valid: name, description, plugins, dataset, model, loss, optimizers/);
    assert.match(found[''], /missing required key 'optimizers'/);
  });

  it('allows name only on optimizers, not on other plugin specs', () => {
    const data = lecture();
    data.loss = { type: 'crossEntropy', name: 'CE' };
    assert.match(byPath(problemsOf(data))['loss.name'], /unknown parameter 'name' for loss 'crossEntropy'/);
  });

  it('rejects a bare name for a plugin with required params, saying how to write it', () => {
    const data = lecture();
    data.model.layers = ['flatten', 'dense'];
    assert.match(byPath(problemsOf(data))['model.layers[1]'], /layer 'dense' needs units; write it as \{type: dense, units: \.\.\.\}/);
  });

  it('rejects a type that is not a string, and a spec that is neither name nor mapping', () => {
    const data = lecture();
    data.optimizers[0].type = 3;
    data.loss = 7;
    const found = byPath(problemsOf(data));
    assert.match(found['optimizers[0].type'], /must be a string \(got 3\)/);
    assert.match(found.loss, /must be a type name or a mapping with a type key \(got 7\)/);
  });

  it('finds non-finite numbers anywhere (YAML reads 1e400 and .inf as infinity)', () => {
    const data = lecture();
    data.optimizers[2].betas = [0.9, Infinity];
    data.training.divergeAbove = -Infinity;
    const found = byPath(problemsOf(data));
    assert.match(found['optimizers[2].betas[1]'], /must be a finite number \(got Infinity/);
    assert.match(found['training.divergeAbove'], /must be a finite number \(got -Infinity/);
  });

  it('reports an infinite number once, and the other problems of the file with it', () => {
    const data = lecture();
    data.training.epochs = Infinity;
    data.seed = [1];
    assert.deepEqual(Object.keys(byPath(problemsOf(data))).sort(), ['seed', 'training.epochs']);
  });

  it('rejects anything but a mapping at the top', () => {
    for (const data of [null, 'lecture', 42, []]) {
      const [problem] = problemsOf(data);
      assert.deepEqual(problem.path, []);
      assert.match(problem.message, /an experiment must be a mapping of keys/);
    }
  });

  it('knows each plugin slot of an experiment and its kind', () => {
    const slots = pluginSlots(lecture()).map((s) => `${s.kind} ${formatPath(s.path)}`);
    assert.deepEqual(slots, [
      'datasets dataset',
      ...[0, 1, 2, 3, 4, 5].map((i) => `layers model.layers[${i}]`),
      'losses loss',
      'optimizers optimizers[0]',
      'optimizers optimizers[1]',
      'optimizers optimizers[2]',
      'backends backend',
    ]);
  });

  it('checks user-registered plugins like built-in ones', () => {
    const own = createRegistries();
    own.layers.register({
      type: 'scale',
      summary: 'x * factor',
      params: {
        type: 'object',
        properties: { factor: { type: 'number', description: 'factor' }, label: { type: 'string', pattern: '^[a-z]+$', description: 'label' } },
        required: ['factor'],
        additionalProperties: false,
      },
      outputShape: (_p: unknown, s: number[]) => s,
      create: () => assert.fail('validate must not create anything'),
    });
    const data = lecture();
    data.model.layers.splice(1, 0, { type: 'scale', factor: 'two' });
    assert.throws(() => validate(data, own), (e: ProblemsError) => /model\.layers\[1\]\.factor: must be a number \(got 'two'\)/.test(e.message));
    data.model.layers[1] = { type: 'scale', factor: 2, label: 'Big one' };
    assert.throws(() => validate(data, own), /model\.layers\[1\]\.label: must match the pattern \^\[a-z\]\+\$ \(got 'Big one'\)/, 'its own pattern, not the name rule');
    data.model.layers[1] = { type: 'scale', factor: 2 };
    assert.doesNotThrow(() => validate(data, own));
    assert.throws(() => validate(data, registries), /unknown layer 'scale'/, 'fresh registries do not know it');
  });

  describe('seeds', () => {
    /** Every schema in the experiment schema that takes a seed, by its path there. */
    function seedSchemas(schema: unknown, path = ''): Map<string, Record<string, unknown>> {
      const found = new Map<string, Record<string, unknown>>();
      const walk = (node: unknown, at: string) => {
        if (node === null || typeof node !== 'object') return;
        for (const [key, child] of Object.entries(node)) {
          const here = `${at}/${key}`;
          if (/(^s|S)eeds?$/.test(key) && child !== null && typeof child === 'object' && /\/properties$/.test(at)) {
            const c = child as Record<string, unknown>;
            // seeds: a list (else) or {count, start} (then): both bounded.
            const list = (c.else ?? c) as Record<string, unknown>;
            found.set(here, list.type === 'array' ? (list.items as Record<string, unknown>) : c);
            const start = ((c.then as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties ?? {}).start;
            if (start) found.set(`${here}/start`, { ...start, type: start.type });
          }
          walk(child, here);
        }
      };
      walk(schema, path);
      return found;
    }

    it('folds to 32 bits in the PRNG: 2^32 would give what seed 1 gives, so no schema may accept it', () => {
      assert.equal(new Random(4294967296).next(), new Random(1).next(), 'the aliasing that the bound prevents');
      assert.notEqual(new Random(MAX_SEED).next(), new Random(0).next());
      const seeds = seedSchemas(buildEditorSchema(registries));
      const names = [...seeds.keys()].map((k) => k.split('/').at(-1));
      for (const name of ['seeds', 'splitSeed', 'seed']) assert.ok(names.includes(name), `found ${name} among ${names.join(', ')}`);
      assert.ok(seeds.size >= 4, [...seeds.keys()].join('\n'));
      for (const [where, schema] of seeds) {
        assert.deepEqual([schema.type, schema.minimum, schema.maximum], ['integer', 0, MAX_SEED], where);
      }
    });

    it('refuses a seed past 32 bits wherever one is given, at its path', () => {
      const data = lecture();
      data.dataset = { type: 'mnist-bundled', splitSeed: 2 ** 32 };
      assert.deepEqual(byPath(problemsOf(data)), { 'dataset.splitSeed': 'must be <= 4294967295 (got 4294967296)' });
      data.dataset = { type: 'mnist-bundled', splitSeed: MAX_SEED, validation: { fraction: 0.1, seed: 2 ** 33 }, transforms: ['flatten', { type: 'addNoise', seed: 2 ** 32 + 5 }] };
      data.seeds = [MAX_SEED, 2 ** 32];
      assert.deepEqual(byPath(problemsOf(data)), {
        'dataset.validation.seed': 'must be <= 4294967295 (got 8589934592)',
        'dataset.transforms[1].seed': 'must be <= 4294967295 (got 4294967301)',
        'seeds[1]': 'must be <= 4294967295 (got 4294967296)',
      });
    });
  });
});
