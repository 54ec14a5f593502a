// User plugin modules (plugins: in the YAML): the example under examples/plugins/, and the errors a
// module can cause, each pointing at its entry in the YAML.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/util/errors.js';
import { loadPlugins, pluginModulePaths, pluginTimeoutMs } from '../../src/registry/modules.js';
import { prepare } from '../../src/config/pipeline.js';
import { createRegistries } from '../../src/registry/index.js';
import type { LayerPlugin } from '../../src/registry/kinds.js';
import { configError, fromRoot, runCli, show, stackLines, tempDir } from '../config/support.js';

const EXAMPLE = fromRoot('examples', 'plugins', 'swish-experiment.yaml');
const SWISH = fromRoot('examples', 'plugins', 'swish.js');

/** A small experiment using plugins from the given modules (absolute paths), with extra layers. */
const experiment = (modules: string[], layers = '{type: swish, beta: 2}') => `name: user-plugins
plugins: [${modules.join(', ')}]
dataset: {type: mnist-bundled, trainSize: 100, testSize: 50}
model:
  layers: [flatten, ${layers}, {type: dense, units: 10}]
loss: crossEntropy
optimizers: [sgd]
`;

describe('user plugin modules', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('the example experiment loads examples/plugins/swish.js and plans with its layer', async () => {
    const { config, plan, registries } = await prepare(EXAMPLE);
    assert.ok(registries.layers.has('swish'));
    const swish = config.model.layers.filter((l) => l.type === 'swish');
    assert.deepEqual(swish, [
      { type: 'swish', beta: 1 },
      { type: 'swish', beta: 2 },
    ]);
    assert.deepEqual(plan.pluginModules, ['./swish.js'], 'as the file names it, relative to the experiment: the plan holds one local path, experiment.file');
    assert.deepEqual(pluginModulePaths(plan.experiment.file, plan.pluginModules), [SWISH], 'which worker threads resolve');
    assert.equal(plan.trials.length, 1);
    assert.ok(!createRegistries().layers.has('swish'), 'the built-in registries stay as they were');
  });

  it('validates the example plugin’s params like a built-in one’s', async () => {
    const file = write('bad.yaml', experiment([SWISH], '{type: swish, beta: 0}, {type: swish, bta: 1}'));
    const error = await configError(prepare(file));
    const found = Object.fromEntries(error.problems.map((p) => [p.path, `${p.line}: ${p.message}`]));
    assert.match(found['model.layers[1].beta'], /^5: must be > 0 \(got 0\)/);
    assert.match(found['model.layers[2].bta'], /^5: unknown parameter 'bta' for layer 'swish'; did you mean 'beta'\?/);
  });

  it('the example layer computes x * sigmoid(beta * x) with the TF.js it is given', async () => {
    const { tf } = await createRegistries().backends.get('cpu').load({ backends: createRegistries().backends });
    const module = (await import(SWISH)) as { default: (LayerPlugin & { kind: string })[] };
    const [swish] = module.default;
    assert.equal(swish.kind, 'layer');
    assert.deepEqual(swish.outputShape({ beta: 2 }, [7, 3]), [7, 3]);
    const layer = swish.create({ beta: 2 }, { tf, inputShape: [3], random: Math.random, index: 0, inputNeedsGrad: true });
    assert.deepEqual(layer.variables, []);
    const x = [-2, 0, 0.5];
    const y = Array.from(layer.apply(tf.tensor2d([x]), true).dataSync());
    y.forEach((v, i) => assert.ok(Math.abs(v - x[i] / (1 + Math.exp(-2 * x[i]))) < 1e-6, `${v} at ${x[i]}`));
  });

  it('trainyard validate accepts the example (exit 0)', () => {
    const result = runCli(['validate', 'examples/plugins/swish-experiment.yaml']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /swish-experiment\.yaml: valid/);
  });

  it('accepts a module whose default export is a function (registries) => void', async () => {
    write(
      'register.js',
      `export default (registries) => registries.losses.register({
        type: 'half-mse', summary: 'mse / 2', target: 'value',
        params: { type: 'object', properties: {}, additionalProperties: false },
        create: () => () => 0,
      });`,
    );
    const file = write('exp.yaml', experiment(['./register.js'], 'relu').replace('loss: crossEntropy', 'loss: half-mse'));
    const { config } = await prepare(file);
    assert.deepEqual(config.loss, { type: 'half-mse' });
  });

  it('reports a function export that throws, at its entry', async () => {
    write('boom.js', `export default () => { throw new Error('no GPU here'); };`);
    const error = await configError(prepare(write('exp.yaml', experiment(['./boom.js'], 'relu'))));
    assert.deepEqual(
      error.problems.map((p) => [p.line, p.path]),
      [[2, 'plugins[0]']],
    );
    assert.match(error.problems[0].message, /plugin module \.\/boom\.js threw while registering: no GPU here/);
  });

  const malformed: [string, string, RegExp][] = [
    ['a type already built in', `{kind: 'layer', type: 'dense', summary: 's', params: {type: 'object', properties: {}}, outputShape: (p, s) => s, create() {}}`, /layer 'dense' is already registered; choose another type name/],
    ['no kind', `{type: 'gelu', summary: 's'}`, /plugin 'gelu' needs kind: one of dataset, .*layer.*\(got nothing\)/],
    ['an unknown kind', `{kind: 'layers', type: 'gelu'}`, /needs kind: .*\(got 'layers'\)/],
    ['no summary', `{kind: 'layer', type: 'gelu', params: {type: 'object', properties: {}}}`, /layer 'gelu' needs a summary/],
    ['params that are not a schema object', `{kind: 'layer', type: 'gelu', summary: 's', params: {beta: 1}}`, /layer 'gelu' needs params: a JSON Schema \{type: 'object'/],
    ['an invalid params schema', `{kind: 'layer', type: 'gelu', summary: 's', params: {type: 'object', properties: {beta: {type: 'numbr'}}}}`, /layer 'gelu' has an invalid params schema/],
    ['a loss without target', `{kind: 'loss', type: 'l3', summary: 's', params: {type: 'object', properties: {}}, create() {}}`, /loss 'l3' needs target/],
    ['not an object', `'gelu'`, /a plugin must be an object, not 'gelu'/],
  ];
  for (const [what, plugin, message] of malformed) {
    it(`reports a malformed plugin (${what}) at its module's entry`, async () => {
      write('bad-plugin.js', `export default [${plugin}];`);
      const error = await configError(prepare(write('exp.yaml', experiment([SWISH, './bad-plugin.js'], 'relu'))));
      assert.equal(error.problems.length, 1, show(error.problems));
      const [problem] = error.problems;
      assert.deepEqual([problem.line, problem.path], [2, 'plugins[1]']);
      assert.match(problem.message, /plugin module \.\/bad-plugin\.js, export default\[0\]: /);
      assert.match(problem.message, message);
    });
  }

  it('reports a module with a syntax error, and one that is not there, at their entries', async () => {
    write('broken.js', 'export default [;\n');
    const error = await configError(prepare(write('exp.yaml', experiment(['./broken.js', './missing.js'], 'relu'))));
    const found = Object.fromEntries(error.problems.map((p) => [p.path, p.message]));
    assert.match(found['plugins[0]'], /plugin module \.\/broken\.js failed to load: .*Unexpected token/);
    assert.match(found['plugins[1]'], new RegExp(`plugin module not found: ${join(dir, 'missing.js').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });

  describe('a module that does not finish loading, or leaves a rejection unhandled', () => {
    it('is a located problem once the wait for it ends (TRAINYARD_PLUGIN_TIMEOUT_MS, 30 s by default)', async () => {
      write('hang.js', 'await new Promise(() => {});\nexport default [];\n');
      const problems = await loadPlugins(join(dir, 'exp.yaml'), ['./hang.js'], createRegistries(), { timeoutMs: 100 });
      assert.deepEqual(problems, [{ path: ['plugins', 0], message: 'plugin module ./hang.js did not finish loading within 0.1 s (a top-level await that never settles?)' }]);
      assert.equal(pluginTimeoutMs({}), 30000);
      assert.equal(pluginTimeoutMs({ TRAINYARD_PLUGIN_TIMEOUT_MS: '250' }), 250);
      for (const bad of ['0', '-5', 'soon', 'Infinity']) {
        assert.throws(() => pluginTimeoutMs({ TRAINYARD_PLUGIN_TIMEOUT_MS: bad }), (e: Error) => e instanceof UserError && /TRAINYARD_PLUGIN_TIMEOUT_MS must be a positive number/.test(e.message), bad);
      }
    });

    it('makes the CLI exit 2 with that message while the import is still pending (not exit 13 with nothing)', () => {
      write('hang.js', 'await new Promise(() => {});\nexport default [];\n');
      const file = write('exp.yaml', experiment(['./hang.js'], 'relu'));
      const { status, stdout, stderr } = runCli(['validate', file], undefined, { TRAINYARD_PLUGIN_TIMEOUT_MS: '300' });
      assert.equal(status, 2, stderr);
      assert.equal(stdout, '');
      assert.equal(stderr.trim(), `${file}:2:11 plugins[0]: plugin module ./hang.js did not finish loading within 0.3 s (a top-level await that never settles?)`);
    });

    it('reports a top-level Promise.reject nobody handles as a problem of the module, not a raw stack', async () => {
      write('reject.js', "Promise.reject(new Error('needs SWISH_TABLE'));\nexport default [];\n");
      const file = write('exp.yaml', experiment(['./reject.js'], 'relu'));
      const error = await configError(prepare(file));
      assert.deepEqual(error.problems.map((p) => [p.line, p.path, p.message]), [[2, 'plugins[0]', 'plugin module ./reject.js failed to load: a promise was rejected and nothing handled it: needs SWISH_TABLE']]);
      // Node evaluates the module once: a second experiment in this process hears of it all the same.
      const again = await configError(prepare(file));
      assert.match(again.problems[0].message, /reject\.js failed to load: a promise was rejected and nothing handled it: needs SWISH_TABLE/);
      assert.equal(process.listenerCount('unhandledRejection') <= 1, true, 'the listener is removed afterwards (mocha keeps one of its own)');
      const cli = runCli(['validate', write('exp2.yaml', experiment(['./reject.js'], 'relu'))]);
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(cli.stderr, /plugins\[0\]: plugin module \.\/reject\.js failed to load: .*needs SWISH_TABLE/);
      assert.deepEqual(stackLines(cli.stderr), []);
    });
  });

  describe('a registering function gets a frozen facade of the registries', () => {
    // A new file each time: Node evaluates a module URL only once per process.
    let count = 0;
    const registering = async (body: string) => {
      const name = `register-${++count}.js`;
      write(name, `export default (registries) => { ${body} };`);
      return prepare(write('exp.yaml', experiment([`./${name}`], 'relu')));
    };
    const problemOf = async (body: string) => {
      const error = await configError(registering(body));
      assert.equal(error.problems.length, 1, show(error.problems));
      assert.deepEqual([error.problems[0].line, error.problems[0].path], [2, 'plugins[0]']);
      return error.problems[0].message.replace(`register-${count}.js`, 'register.js');
    };
    const LAYER = `{type: 'half', summary: 's', params: {type: 'object', properties: {}}, outputShape: (p, s) => s, create() {}}`;

    it('an assignment to it throws, reported as the module throwing while it registers', async () => {
      assert.equal(await problemOf('registries.layers = null;'), "plugin module ./register.js threw while registering: Cannot assign to read only property 'layers' of object '#<Object>'");
      assert.match(await problemOf('registries.layers.register = () => {};'), /threw while registering: Cannot assign to read only property 'register'/);
      assert.match(await problemOf("registries.layers.get('dense').outputShape = null;"), /threw while registering: Cannot assign to read only property 'outputShape'/);
      assert.equal(typeof createRegistries().layers.get('dense').outputShape, 'function', 'the built-in plugin is unchanged');
    });

    it('validates what it registers as exported plugins are, naming the module and the registry', async () => {
      assert.equal(
        await problemOf(`registries.layers.register({type: 'half', summary: 's', params: {type: 'object', properties: {}}, create() {}});`),
        "plugin module ./register.js, registries.layers.register(): layer 'half' needs outputShape (a function)",
      );
      assert.match(await problemOf(`registries.layers.register({type: 'dense', summary: 's', params: {type: 'object', properties: {}}, outputShape: (p, s) => s, create() {}});`), /registries\.layers\.register\(\): layer 'dense' is already registered; choose another type name/);
      assert.match(await problemOf(`registries.losses.register({type: 'l3', summary: 's', params: {type: 'object', properties: {}}, create() {}});`), /registries\.losses\.register\(\): loss 'l3' needs target/);
      assert.match(await problemOf(`registries.losses.register({kind: 'layer', type: 'l3'});`), /plugin 'l3' says kind: 'layer' but was registered with registries\.losses\.register/);
      assert.match(await problemOf('registries.layers.register(null);'), /registries\.layers\.register\(\): a plugin must be an object, not nothing/);
      // A rejected plugin stops the function there: one message, not a second one for the throw.
      assert.match(await problemOf(`registries.layers.register(null); registries.layers.register(${LAYER});`), /a plugin must be an object/);
    });

    it('offers register, has, get, names and list of every kind, and registers a valid plugin', async () => {
      const { registries } = await registering(`
        for (const kind of ['datasets', 'transforms', 'layers', 'losses', 'optimizers', 'schedules', 'metrics', 'backends']) {
          const r = registries[kind];
          if (!Object.isFrozen(r) || r.names().length === 0 || r.list().length !== r.names().length || !r.has(r.names()[0]) || r.get(r.names()[0]).type !== r.names()[0]) throw new Error(kind);
        }
        registries.layers.register(${LAYER}).register({...registries.layers.get('relu'), type: 'relu2'});
      `);
      assert.ok(registries.layers.has('half') && registries.layers.has('relu2'));
    });

    it('refuses a register call made after the function returned', async () => {
      write('later.js', `export let later; export default (registries) => { later = () => registries.layers.register(${LAYER}); };`);
      const { registries } = await prepare(write('exp.yaml', experiment(['./later.js'], 'relu')));
      const module = (await import(join(dir, 'later.js'))) as { later: () => void };
      assert.throws(() => module.later(), /registries\.layers\.register was called after the module's function returned/);
      assert.ok(!registries.layers.has('half'));
    });

    it('bounds a function whose promise never settles, and reports a rejection it leaves unhandled', async () => {
      write('slow.js', 'export default async () => { await new Promise(() => {}); };');
      assert.deepEqual(await loadPlugins(join(dir, 'exp.yaml'), ['./slow.js'], createRegistries(), { timeoutMs: 100 }), [
        { path: ['plugins', 0], message: 'plugin module ./slow.js: its function did not finish registering within 0.1 s (a promise that never settles?)' },
      ]);
      assert.equal(await problemOf("Promise.reject(new Error('no GPU'));"), 'plugin module ./register.js threw while registering: a promise was rejected and nothing handled it: no GPU');
    });
  });

  it('runs no module for a config that names none', async () => {
    const { plan } = await prepare(fromRoot('experiments', 'lecture-25-optimizers.yaml'));
    assert.deepEqual(plan.pluginModules, []);
  });
});
