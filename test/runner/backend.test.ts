import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../run-helpers.js';

/**
 * Runs a module script in a fresh node process (so that nothing else has imported TF.js) and
 * parses its last line. A file, not --eval: a worker thread would inherit --input-type.
 */
function inFreshProcess(script: string): Record<string, unknown> {
  const file = join(mkdtempSync(join(tmpdir(), 'trainyard-probe-')), 'probe.mjs');
  writeFileSync(file, script.replaceAll("'./dist/", `'${ROOT}/dist/`));
  const child = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('runner/backend', function () {
  this.timeout(120000);

  it('probes a backend in a thread of its own: its name and what auto tried come back, this thread gets no TF.js', () => {
    const found = inFreshProcess(`
      const { createRegistries } = await import('./dist/src/registry/index.js');
      const { probeBackend } = await import('./dist/src/runner/backend.js');
      const backend = await probeBackend(createRegistries(), 'auto', { experimentFile: 'experiments/lecture-25-optimizers.yaml', pluginModules: [] });
      console.log(JSON.stringify({ name: backend.name, tried: backend.tried.map((t) => t.name), tf: 'tf' in backend, engine: typeof globalThis._tfengine }));`);
    assert.equal(typeof found.name, 'string');
    assert.ok(Array.isArray(found.tried));
    assert.equal(found.tf, false, 'no TF.js instance crosses back');
    assert.equal(found.engine, 'undefined', 'TF.js was never imported in this thread');
  });

  it('rejects with the backend\'s own reason where it cannot run', () => {
    const found = inFreshProcess(`
      const { createRegistries } = await import('./dist/src/registry/index.js');
      const { probeBackend } = await import('./dist/src/runner/backend.js');
      const why = await probeBackend(createRegistries(), 'tensorflow', { experimentFile: 'experiments/lecture-25-optimizers.yaml', pluginModules: [] }).then(() => 'started', (e) => e.message);
      console.log(JSON.stringify({ why }));`);
    // tfjs-node cannot install on this machine (its install downloads libtensorflow); where it can, the probe starts it.
    if (found.why !== 'started') assert.match(String(found.why), /tfjs-node/);
  });
});
