import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../run-helpers.js';

describe('util/malloc-arenas', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', `const { limitMallocArenas } = await import('./dist/src/util/malloc-arenas.js'); console.log(await limitMallocArenas());`], { cwd: ROOT, encoding: 'utf8', env }).stdout.trim();

  it('sets glibc\'s arena limit where it can, and leaves a MALLOC_ARENA_MAX the user set alone', function () {
    if (process.platform !== 'linux') return this.skip();
    const { MALLOC_ARENA_MAX: _, ...unset } = process.env;
    assert.equal(run(unset), 'true');
    assert.equal(run({ ...unset, MALLOC_ARENA_MAX: '4' }), 'false');
  });
});
