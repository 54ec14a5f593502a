// Nothing in a config can make trainyard write outside the run directory and the data cache: the
// experiment name and the trial ids (optimizer name slugs) are single safe path segments, --out is
// checked before anything is written, and paths in a config resolve against the file, not the cwd.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../../src/util/errors.js';
import { checkOutputRoot } from '../../src/config/inspect.js';
import { parseSource } from '../../src/config/load.js';
import { applyOverrides } from '../../src/config/overrides.js';
import { prepare } from '../../src/config/pipeline.js';
import { trialId } from '../../src/config/plan.js';
import { validate } from '../../src/config/validate.js';
import { createRegistries } from '../../src/registry/index.js';
import { MAX_SLUG_BYTES, slug } from '../../src/util/slug.js';
import { Random } from '../../src/util/random.js';
import { configError, LECTURE, runCliInProcess, stackLines, tempDir } from './support.js';

const lecture = readFileSync(LECTURE, 'utf8');

/** The path segments a run writes for a trial, under a run directory. */
const inside = (root: string, ...parts: string[]) => {
  const path = resolve(root, ...parts);
  const back = relative(root, path);
  return back !== '' && !back.startsWith('..') && !isAbsolute(back);
};

const ESCAPES = [
  '..', '.', '../../etc/passwd', '/etc/passwd', '/', 'a/../../b', '..\\..\\windows', 'C:\\Windows\\System32', '~', '~root', '$HOME',
  '%2e%2e%2f', '\u0000', 'a\u0000/../b', '．．／．．／etc', '‥/x', '\u202e../', ' ', '-', '.-.', 'ﷺ'.repeat(100), '𠜎'.repeat(100), 'a'.repeat(100),
  'İstanbul', 'ǅ', 'x\ny', '\t../',
];

describe('paths: nothing is written outside the run directory', () => {
  it('an optimizer name slugs to one safe path segment, whatever it holds', async () => {
    const random = new Random(7);
    const randomNames = Array.from({ length: 2000 }, () =>
      String.fromCodePoint(...Array.from({ length: 1 + random.int(40) }, () => (random.next() < 0.5 ? 32 + random.int(95) : random.int(0x10ffff - 0xe000) + (random.next() < 0.5 ? 0 : 0xe000)))).replace(/[\ud800-\udfff]/g, ''),
    );
    for (const name of [...ESCAPES, ...randomNames]) {
      const s = slug(name);
      const shown = JSON.stringify(name);
      assert.match(s, /^[\p{L}\p{N}]([\p{L}\p{N}.-]*[\p{L}\p{N}])?$/u, `${shown} → ${JSON.stringify(s)}`);
      assert.ok(Buffer.byteLength(s) <= MAX_SLUG_BYTES, `${shown}: ${Buffer.byteLength(s)} bytes`);
      assert.ok(!s.includes('/') && !s.includes('\\') && !s.includes(sep) && s !== '.' && s !== '..', `${shown} → ${s}`);
      const id = trialId(name, 4294967295);
      assert.ok(inside('/runs/x/run', id), `${shown}: trial id ${id} leaves the run directory`);
      assert.ok(inside('/runs/x/run', 'checkpoints', id, 'epoch-1.json'), `${shown}: a checkpoint path leaves the run directory`);
    }
  });

  it('keeps ordinary names readable and cuts long ones', async () => {
    assert.equal(slug('SGD with momentum'), 'sgd-with-momentum');
    assert.equal(slug('Adam (lr=1e-3)'), 'adam-lr-1e-3');
    assert.equal(slug('Оптимизатор 最適化'), 'оптимизатор-最適化');
    assert.equal(slug('．．／．．／etc'), 'etc', 'fullwidth dots and slash normalize to ../ and are dropped');
    assert.equal(slug('../..'), 'optimizer');
    assert.equal(slug('a'.repeat(300)).length, MAX_SLUG_BYTES);
    assert.equal(Buffer.byteLength(slug('𠜎'.repeat(100))), 100);
  });

  it('two optimizers whose names slug to the same trial id are refused, also when the cut makes them equal', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'exp.yaml');
      // 61 characters (names may have 100) but 121 bytes: the slugs are cut to 100 bytes, the same 50 letters.
      const long = 'é'.repeat(60);
      writeFileSync(file, lecture.replace('{name: SGD,', `{name: ${long}a,`).replace('{name: Adam,', `{name: ${long}b,`));
      const error = await configError(prepare(file));
      assert.equal(error.problems.length, 1);
      assert.match(error.problems[0].message, /names the same trials as .* both become/);
      assert.equal(error.problems[0].path, 'optimizers[2].name');
    } finally {
      cleanup();
    }
  });

  it('an experiment name (it names a directory under --out) cannot hold a path', async () => {
    const registries = createRegistries();
    for (const name of ['..', '.', '../x', '/abs', 'a/b', 'a\\b', '.hidden', '-x', '', 'x\u0000', 'лекция', '..a', 'a'.repeat(101)]) {
      const data = { ...(parseSource(lecture, 'x.yaml').data as object), name };
      assert.throws(() => validate(data, registries), (e: { problems?: { path: string[] }[] }) => e.problems?.some((p) => p.path[0] === 'name') === true, JSON.stringify(name));
      assert.ok(name === '' || name.length > 100 || !inside('/out', name) || /[^A-Za-z0-9._-]|^[._-]/.test(name));
    }
  });

  it('--set name=../x is validated like the file, and names the flag', async () => {
    const source = applyOverrides(parseSource(lecture, LECTURE), [{ flag: '--set', text: 'name=../../tmp/x' }]);
    assert.equal((source.data as { name: string }).name, '../../tmp/x');
    const error = await configError(prepare(LECTURE, { sets: [{ flag: '--set', text: 'name=../../tmp/x' }] }));
    assert.equal(error.problems[0].flag, '--set name=../../tmp/x');
    assert.equal(error.problems[0].path, 'name');
  });

  describe('--out', () => {
    let dir: string;
    let cleanup: () => void;
    beforeEach(() => ({ dir, cleanup } = tempDir()));
    afterEach(() => cleanup());
    const listing = () => JSON.stringify(readdirSync(dir, { recursive: true }).sort());

    it('under a regular file is refused before anything is written', async () => {
      writeFileSync(join(dir, 'file'), 'x');
      const before = listing();
      await assert.rejects(checkOutputRoot(join(dir, 'file', 'a', 'b'), '--out'), (e: Error) => e instanceof UserError && /is a file, not a directory/.test(e.message));
      await assert.rejects(checkOutputRoot(join(dir, 'file'), '--out'), UserError);
      assert.equal(listing(), before);
    });

    it('with a regular file where the experiment directory goes is refused too (given the experiment name)', async () => {
      writeFileSync(join(dir, 'lecture-25-optimizers'), 'x');
      await checkOutputRoot(dir, '--out');
      await assert.rejects(checkOutputRoot(dir, '--out', 'lecture-25-optimizers'), (e: Error) => /lecture-25-optimizers is a file, not a directory/.test(e.message));
    });

    it('that does not exist yet is fine, and is not created by the check', async () => {
      await checkOutputRoot(join(dir, 'new', 'runs'), '--out', 'lecture-25-optimizers');
      assert.equal(listing(), '[]');
    });

    it('trainyard run with --out under a file: exit 2, the path in the message, nothing created', async () => {
      writeFileSync(join(dir, 'file'), 'x');
      const { status, stdout, stderr } = await runCliInProcess(['run', LECTURE, '--out', join(dir, 'file', 'runs'), '--epochs', '1']);
      assert.equal(status, 2, stderr);
      assert.match(stderr, /--out: cannot write runs under .*file\/runs: .*file is a file, not a directory/);
      assert.deepEqual(stackLines(stderr), []);
      assert.doesNotMatch(stdout, /epoch/);
      assert.equal(listing(), '["file"]');
    });
  });

  it('paths in a config resolve against the file, not the working directory', async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'exp', 'plugins'), { recursive: true });
      writeFileSync(join(dir, 'exp', 'plugins', 'none.js'), 'export default [];\n');
      writeFileSync(join(dir, 'exp', 'x.yaml'), lecture.replace('dataset: mnist-bundled', 'plugins: [./plugins/none.js]\ndataset: mnist-bundled'));
      const { status, stderr } = await runCliInProcess(['validate', join(dir, 'exp', 'x.yaml')], '/');
      assert.equal(status, 0, stderr);
    } finally {
      cleanup();
    }
  });
});
