// An editor schema and a plugin list with a project's own plugins: `trainyard schema FILE`,
// `schema --plugins F...`, `list --plugins F...`. The schemas committed beside the examples are
// what the commands make now, and they accept the examples the package's own schema rejects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { spreadPlugins } from '../../src/cli.js';
import { committedSchemaValidator, fromRoot } from '../config/support.js';
import { cliInProcess } from '../run-helpers.js';

const EXAMPLES = fromRoot('examples', 'plugins');

describe('commands: schema and list with a project\'s plugins', function () {
  this.timeout(60000);

  for (const [experiment, schemaFile] of [
    ['kit-experiment.yaml', 'kit.schema.json'],
    ['swish-experiment.yaml', 'swish.schema.json'],
  ]) {
    it(`schema ${experiment}: the committed ${schemaFile}, which accepts the experiment the package's schema rejects`, async () => {
      const result = await cliInProcess(['schema', join(EXAMPLES, experiment)]);
      assert.equal(result.code, 0, result.stderr);
      const committed = readFileSync(join(EXAMPLES, schemaFile), 'utf8');
      assert.ok(result.stdout === committed, `examples/plugins/${schemaFile} is stale: run trainyard schema examples/plugins/${experiment} --out examples/plugins/${schemaFile}`);
      const document = parse(readFileSync(join(EXAMPLES, experiment), 'utf8'));
      const withPlugins = new Ajv({ allErrors: true }).compile(JSON.parse(committed));
      assert.ok(withPlugins(document), JSON.stringify(withPlugins.errors));
      assert.equal(committedSchemaValidator().validate(document), false, 'the package schema knows no user plugin');
      assert.match(readFileSync(join(EXAMPLES, experiment), 'utf8'), new RegExp(`^# yaml-language-server: \\$schema=\\./${schemaFile.replace('.', '\\.')}`));
    });
  }

  it('schema --plugins F...: the modules\' params, from paths relative to the current directory', async () => {
    const result = await cliInProcess(['schema', '--plugins', 'kit.ts', 'swish.js'], { cwd: EXAMPLES });
    assert.equal(result.code, 0, result.stderr);
    const schema = JSON.parse(result.stdout);
    const text = JSON.stringify(schema);
    for (const type of ['kitSwish', 'kitBlobs', 'kitHuber', 'kitSignSgd', 'kitHalving', 'kitTop2', 'kitClamp', 'kitCpu', 'swish']) assert.ok(text.includes(JSON.stringify(type)), type);
    assert.ok(text.includes('Slope of the sigmoid gate (1: SiLU)'), "swish's param description");
    const missing = await cliInProcess(['schema', '--plugins', 'nowhere.ts'], { cwd: EXAMPLES });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--plugins nowhere\.ts: plugin module not found: .*nowhere\.ts/);
  });

  it('list --plugins F... shows them with their params', async () => {
    const result = await cliInProcess(['list', 'layers', '--plugins', join(EXAMPLES, 'kit.ts'), join(EXAMPLES, 'swish.js')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /kitSwish {2}Swish activation/);
    assert.match(result.stdout, /\n {2}swish {2}Swish activation/);
    assert.match(result.stdout, /beta {2}number > 0 {2}1 {2}Slope of the sigmoid gate/);
  });

  it('--plugins takes the module files after it, and leaves other arguments alone', () => {
    assert.deepEqual(spreadPlugins(['layers', '--plugins', 'a.ts', 'b.js', 'c.mjs']), ['layers', '--plugins', 'a.ts', '--plugins', 'b.js', '--plugins', 'c.mjs']);
    assert.deepEqual(spreadPlugins(['--plugins', 'a.ts', 'layers']), ['--plugins', 'a.ts', 'layers']);
  });
});
