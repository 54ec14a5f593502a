import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fromRoot } from './config/support.js';

const MOCHA = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const PROBE = fromRoot('dist', 'test', 'fixtures', 'probes', 'requirements-probe.js');

/** The probe suite in a child mocha, with CI set or not. */
function probe(ci: boolean): { status: number | null; output: string } {
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  const result = spawnSync(process.execPath, [MOCHA, '--no-config', '--reporter', 'spec', PROBE], { encoding: 'utf8', env, timeout: 60000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('test/requirements: requireSystem', function () {
  this.timeout(60000);

  it('skips a test whose requirement is missing, with one line saying what to install', () => {
    const { status, output } = probe(false);
    assert.equal(status, 0, output);
    assert.match(output, /skipped: needs Debian's trainyard-no-such-package \(apt-get install trainyard-no-such-package\)\n/);
    assert.match(output, /1 passing/);
    assert.match(output, /1 pending/);
    assert.doesNotMatch(output, /failing/);
  });

  it('fails it instead under CI, saying what CI must install', () => {
    const { status, output } = probe(true);
    assert.equal(status, 1, output);
    assert.match(output, /1 passing/);
    assert.match(output, /1 failing/);
    assert.match(output, /needs Debian's trainyard-no-such-package, which is missing \(apt-get install trainyard-no-such-package\); CI must install it \(\.ci\/run\): looked in \/nonexistent/);
    assert.doesNotMatch(output, /skipped:/);
  });
});
