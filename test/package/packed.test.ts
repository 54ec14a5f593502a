// The package as a user gets it: `npm pack`, installed into a fresh project (from npm's cache:
// --prefer-offline), then `npx trainyard` runs an experiment with a TypeScript plugin that imports
// the public API, writes the editor schema with the plugin's params, and the shipped .d.ts types
// the plugin. Its own CI step (npm run test:package): it installs about 190 packages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { makeTempDir, ROOT } from '../run-helpers.js';

/**
 * Install scripts npm 11 skips (dependency scripts are blocked unless allowScripts names them) and
 * lists at the end of the install; none is needed, as the README says. A new one fails this test.
 */
const SKIPPED_SCRIPTS = ['trainyard', 'koffi', 'webgpu', 'core-js', 'msgpackr-extract', 'esbuild'];

function sh(command: string, args: string[], cwd: string, timeout = 300000) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '', all: `${result.stdout}\n${result.stderr}` };
}

const PLUGIN = `import { defineLayer, type LayerPlugin } from 'trainyard';

interface SwishParams {
  beta: number;
}

const swish: LayerPlugin<SwishParams> = defineLayer<SwishParams>({
  type: 'swish',
  summary: 'x * sigmoid(beta * x)',
  params: { type: 'object', properties: { beta: { type: 'number', default: 1, description: 'Slope of the gate' } }, additionalProperties: false },
  outputShape: (_params, inputShape) => inputShape,
  create: ({ beta }, { tf }) => ({ variables: [], apply: (x) => tf.mul(x, tf.sigmoid(tf.mul(x, beta))) }),
});

export default [swish];
`;

const EXPERIMENT = `# yaml-language-server: $schema=./experiment.schema.json
name: packed
plugins: [./swish.ts]
dataset: {type: mnist-bundled, trainSize: 200, testSize: 100}
model: {layers: [flatten, {type: dense, units: 16}, {type: swish, beta: 2}, {type: dense, units: 10}]}
loss: crossEntropy
optimizers: [{type: adam, lr: 0.01}]
training: {epochs: 1, batchSize: 50}
`;

describe('the packed tarball in another project', function () {
  this.timeout(600000);
  const dir = makeTempDir('trainyard-package-');
  const project = join(dir, 'project');

  before(() => {
    const packed = sh('npm', ['pack', '--pack-destination', dir, '--silent'], ROOT);
    assert.equal(packed.code, 0, packed.all);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-project', private: true, type: 'module' }));
    const installed = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], project);
    assert.equal(installed.code, 0, installed.all);
    // Every install script npm skipped is one the README explains as unneeded.
    const skipped = [...installed.all.matchAll(/^npm warn install-scripts {3}(\S+)@\S+ \(/gm)].map((m) => m[1]!);
    assert.deepEqual(skipped.filter((name) => !SKIPPED_SCRIPTS.includes(name)), [], `install scripts the README does not explain:\n${installed.all}`);
    assert.doesNotMatch(installed.all, /npm (warn|error) (?!install-scripts)/, installed.all);
    writeFileSync(join(project, 'swish.ts'), PLUGIN);
    writeFileSync(join(project, 'experiment.yaml'), EXPERIMENT);
  });

  it('npx trainyard runs an experiment with a .ts plugin (main thread and a worker thread)', () => {
    const run = sh('npx', ['--offline', 'trainyard', 'run', 'experiment.yaml', '--quiet', '--no-report', '--workers', '1'], project);
    assert.equal(run.code, 0, run.all);
    const runDir = join(project, 'runs', 'packed', readlinkSync(join(project, 'runs', 'packed', 'latest')));
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.status, 'ok');
    assert.equal(metrics.trials[0].epochs.length, 1);
  });

  it('writes the editor schema with the plugin, which accepts the experiment; list shows it', () => {
    const written = sh('npx', ['--offline', 'trainyard', 'schema', 'experiment.yaml', '--out', 'experiment.schema.json'], project);
    assert.equal(written.code, 0, written.all);
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(join(project, 'experiment.schema.json'), 'utf8')));
    assert.ok(validate(parse(EXPERIMENT)), JSON.stringify(validate.errors));
    assert.equal(validate(parse(EXPERIMENT.replace('beta: 2', 'beta: fast'))), false, 'the schema knows the plugin\'s params');
    const listed = sh('npx', ['--offline', 'trainyard', 'list', 'layers', '--plugins', 'swish.ts'], project);
    assert.match(listed.stdout, /swish {2}x \* sigmoid\(beta \* x\)/);
  });

  it('ships types: the plugin type-checks against the .d.ts, and a wrong one does not', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'];
    const good = sh(process.execPath, [tsc, ...flags, 'swish.ts'], project);
    assert.equal(good.code, 0, good.all);
    writeFileSync(join(project, 'wrong.ts'), "import { defineLayer } from 'trainyard';\nexport default [defineLayer({ type: 1, summary: 's', params: { type: 'object', properties: {} }, outputShape: (_p, s) => s, create: () => ({ variables: [], apply: (x) => x }) })];\n");
    const wrong = sh(process.execPath, [tsc, ...flags, 'wrong.ts'], project);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /wrong\.ts\(2,31\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });
});
