// The one generic Registry<T>, and the built-in plugins it holds: each documented well enough for
// `trainyard list`, editor autocomplete and validation.
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { ProblemsError } from '../../src/util/errors.js';
import { pluginSlots, validate } from '../../src/config/validate.js';
import { createRegistries, KIND_NOUNS, type RegistryKind } from '../../src/registry/index.js';
import { Registry, UnknownNameError, type PluginBase } from '../../src/registry/registry.js';

const plugin = (type: string): PluginBase => ({ type, summary: `the ${type} plugin`, params: { type: 'object', properties: {} } });

describe('registry/Registry', () => {
  it('registers, gets, lists in registration order', () => {
    const registry = new Registry<PluginBase>('widget');
    const a = plugin('alpha');
    registry.register(a).register(plugin('beta'));
    assert.equal(registry.get('alpha'), a);
    assert.ok(registry.has('beta'));
    assert.ok(!registry.has('gamma'));
    assert.deepEqual(registry.names(), ['alpha', 'beta']);
    assert.deepEqual(
      registry.list().map((p) => p.type),
      ['alpha', 'beta'],
    );
  });

  it('refuses to register a name twice, and keeps the first', () => {
    const registry = new Registry<PluginBase>('widget');
    const first = plugin('alpha');
    registry.register(first);
    assert.throws(() => registry.register(plugin('alpha')), /widget 'alpha' is already registered/);
    assert.equal(registry.get('alpha'), first);
  });

  it('says which names are valid for an unknown one and suggests the nearest', () => {
    const registry = new Registry<PluginBase>('optimizer');
    ['sgd', 'adam', 'rmsprop'].forEach((t) => registry.register(plugin(t)));
    assert.throws(
      () => registry.get('adma'),
      (e: unknown) =>
        e instanceof UnknownNameError &&
        e.message === "unknown optimizer 'adma'; did you mean 'adam'? (valid: sgd, adam, rmsprop)" &&
        e.suggestion === 'adam' &&
        e.unknown === 'adma' &&
        e.valid.join() === 'sgd,adam,rmsprop',
    );
  });

  it('suggests nothing when no name is near, and matches case-insensitively', () => {
    const registry = new Registry<PluginBase>('loss');
    ['crossEntropy', 'nll'].forEach((t) => registry.register(plugin(t)));
    assert.throws(() => registry.get('hinge'), (e: Error) => e.message === "unknown loss 'hinge' (valid: crossEntropy, nll)");
    assert.throws(() => registry.get('crossentropy'), /did you mean 'crossEntropy'\?/);
  });

  it('createRegistries gives fresh registries each time', () => {
    const a = createRegistries();
    const b = createRegistries();
    a.layers.register(plugin('extra') as never);
    assert.ok(a.layers.has('extra'));
    assert.ok(!b.layers.has('extra'));
  });
});

describe('built-in plugins', () => {
  const registries = createRegistries();
  const kinds = Object.keys(registries) as RegistryKind[];
  const ajv = new Ajv({ strict: false });

  it('has every kind the design names, with the issue’s first plugins', () => {
    for (const kind of ['datasets', 'layers', 'losses', 'optimizers', 'metrics', 'backends'] as RegistryKind[]) assert.ok(kinds.includes(kind), kind);
    const has = (kind: RegistryKind, names: string[]) => names.forEach((n) => assert.ok(registries[kind].has(n), `${kind}: ${n}`));
    has('datasets', ['mnist-bundled', 'idx']);
    has('layers', ['dense', 'relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'dropout', 'flatten']);
    has('losses', ['crossEntropy', 'nll', 'multiMargin', 'mse', 'l1']);
    has('optimizers', ['sgd', 'adam']);
    has('metrics', ['loss', 'accuracy']);
    has('backends', ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm-blas', 'wasm', 'cpu']);
    for (const kind of kinds) assert.equal(typeof KIND_NOUNS[kind], 'string', `a noun for ${kind}`);
  });

  for (const kind of kinds) {
    it(`${kind}: each has a summary, an object params schema, and a description for every param`, () => {
      for (const p of registries[kind].list()) {
        const where = `${KIND_NOUNS[kind]} '${p.type}'`;
        assert.match(p.type, /^[A-Za-z][A-Za-z0-9-]*$/, `${where}: a type usable as a bare YAML name`);
        assert.ok(typeof p.summary === 'string' && p.summary.length > 10, `${where}: summary`);
        assert.equal(p.params.type, 'object', `${where}: params.type`);
        assert.equal(typeof p.params.properties, 'object', `${where}: params.properties`);
        assert.equal(p.params.additionalProperties, false, `${where}: unknown params must be errors`);
        for (const [name, schema] of Object.entries(p.params.properties)) {
          assert.ok(typeof schema.description === 'string' && schema.description.length > 0, `${where}: param ${name} has no description`);
          const required = p.params.required?.includes(name) ?? false;
          if (required) assert.ok(!('default' in schema), `${where}: required param ${name} has a default`);
          if ('default' in schema) assert.ok(ajv.validate(schema, schema.default), `${where}: default of ${name} breaks its own schema`);
        }
        for (const name of p.params.required ?? []) assert.ok(name in p.params.properties, `${where}: required ${name} is not a property`);
        assert.ok(ajv.validateSchema(p.params), `${where}: params is not a valid JSON Schema`);
      }
    });
  }

  it('a bare name works exactly for the plugins without required params', () => {
    const base = {
      name: 'bare',
      dataset: 'mnist-bundled',
      model: { layers: ['flatten'] },
      loss: 'crossEntropy',
      optimizers: ['sgd'],
      metrics: ['loss'],
      backend: 'auto',
    };
    const slots = pluginSlots(base);
    const covered = new Set(slots.map((s) => s.kind));
    for (const kind of ['datasets', 'layers', 'losses', 'optimizers', 'metrics', 'backends'] as RegistryKind[]) assert.ok(covered.has(kind), kind);
    for (const slot of slots) {
      for (const p of registries[slot.kind].list()) {
        const data = structuredClone(base) as Record<string, any>;
        const [key, ...rest] = slot.path;
        if (rest.length === 0) data[key] = p.type;
        else if (key === 'model') data.model.layers[rest[1] as number] = p.type;
        else data[key][rest[0] as number] = p.type;
        const needs = p.params.required ?? [];
        let problems: string[] = [];
        try {
          validate(data, registries);
        } catch (error) {
          if (!(error instanceof ProblemsError)) throw error;
          problems = error.problems.map((x) => x.message);
        }
        if (needs.length === 0) assert.deepEqual(problems, [], `bare '${p.type}' should be accepted`);
        else assert.ok(problems.some((m) => m.includes(`'${p.type}' needs ${needs.join(', ')}`)), `bare '${p.type}' should say it needs ${needs.join(', ')}: ${problems}`);
      }
    }
  });
});
