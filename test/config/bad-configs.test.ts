// The corpus of bad inputs. Every file in test/fixtures/bad/ holds one mistake; a few inputs are made
// by the test instead (GENERATED: a 5 MB file, 10,000 nested lists, a device, a named pipe, a
// directory, a missing file, an unwritable --out). test/fixtures/bad/expected.json says, by hand,
// where a user must look (line, column, key path) and what the message must tell them; every one must
// exit 2 from the CLI (main() in this process for all, a child process for a sample).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, UserError, type LocatedProblem } from '../../src/util/errors.js';
import { main } from '../../src/cli.js';
import { checkOutputRoot } from '../../src/config/inspect.js';
import { prepare } from '../../src/config/pipeline.js';
import { BAD_DIR, BAD_EXPECTED, configError, fromRoot, LECTURE, ROOT, show, stackLines, tempDir, type BadExpectation } from './support.js';

/** Through a child process: one of each kind (YAML, schema, plugin, cross-field, data files, limits, encoding); the rest in-process. */
const CLI_SAMPLE = [
  'yaml-syntax.yaml', 'billion-laughs.yaml', 'alias-self.yaml', 'non-utf8.yaml', 'control-characters.yaml', 'unknown-optimizer.yaml',
  'negative-lr.yaml', 'plugin-throws.yaml', 'plugin-register-throws.yaml', 'value-target-width.yaml', 'validation-leaves-nothing.yaml',
  'idx-truncated.yaml', 'csv-bad-row.yaml', 'memory-wide-layer.yaml', 'empty.yaml', 'list-not-mapping.yaml',
  // Exit 2 with the message, not Node's exit 13 for a top-level await left pending, nor a raw stack.
  'plugin-never-settles.yaml', 'plugin-unhandled-rejection.yaml', 'billion-laughs-merge.yaml', 'hex-number.yaml',
];

/** How long plugin-never-settles.yaml's module is waited for, here and in the child processes (default 30 s). */
const PLUGIN_TIMEOUT_MS = '1000';

const badFile = (name: string) => fromRoot('test', 'fixtures', 'bad', name);
const rel = (file: string) => relative(ROOT, file);

/** A corpus entry as the CLI gets it: the file and the command line. */
interface Input {
  file: string;
  args: string[];
  /** For `run --out`: the root that must not be written. */
  out?: string;
}

const lectureText = () => readFileSync(LECTURE, 'utf8');
const GENERATED: Record<string, (dir: string) => Input> = {
  'huge-file.yaml': (dir) => {
    const file = join(dir, 'huge-file.yaml');
    writeFileSync(file, `${lectureText()}# ${'x'.repeat(5 * 1024 * 1024 - lectureText().length - 3)}\n`);
    return { file, args: ['validate', file] };
  },
  'deep-nesting.yaml': (dir) => {
    const file = join(dir, 'deep-nesting.yaml');
    writeFileSync(file, lectureText().replace('seeds: [0]', `seeds: ${'['.repeat(10000)}0${']'.repeat(10000)}`));
    return { file, args: ['validate', file] };
  },
  'deep-block-nesting.yaml': (dir) => {
    const file = join(dir, 'deep-block-nesting.yaml');
    writeFileSync(file, lectureText().replace('seeds: [0]\n', `seeds:\n  ${'- '.repeat(10000)}0\n`));
    return { file, args: ['validate', file] };
  },
  'device-as-file': () => ({ file: '/dev/zero', args: ['validate', '/dev/zero'] }),
  'fifo.yaml': (dir) => {
    const file = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [file]);
    return { file, args: ['validate', file] };
  },
  'directory.yaml': (dir) => {
    const file = join(dir, 'directory.yaml');
    mkdirSync(file);
    return { file, args: ['validate', file] };
  },
  'missing-file.yaml': (dir) => {
    const file = join(dir, 'missing-file.yaml');
    return { file, args: ['validate', file] };
  },
  'out-under-a-file': (dir) => {
    writeFileSync(join(dir, 'a-file'), 'not a directory\n');
    const out = join(dir, 'a-file', 'runs');
    return { file: LECTURE, args: ['run', rel(LECTURE), '--out', out, '--epochs', '1'], out };
  },
};

/** The entry's file and command line; a generated one is made in a directory of its own under `dir`. */
function input(name: string, expected: BadExpectation, dir: string): Input & { own?: string } {
  if (!expected.generated) return { file: badFile(name), args: ['validate', rel(badFile(name))] };
  const own = join(dir, name.replace(/[^\w.-]/g, '_'));
  mkdirSync(own, { recursive: true });
  return { ...GENERATED[name](own), own };
}

/** 'FILE:LINE:COL path: ' or 'FILE path: ' (no position for problems of the whole file). */
function prefix(file: string, expected: BadExpectation): string {
  const where = expected.line !== undefined ? `${file}:${expected.line}:${expected.col}` : file;
  return `${where} ${expected.path ? `${expected.path}: ` : ''}`;
}

const matches = (p: LocatedProblem, expected: BadExpectation) =>
  p.line === expected.line && p.col === expected.col && p.path === expected.path && expected.message.every((m) => p.message.includes(m));

/** Runs the CLI without blocking the event loop, so that two can run at once. */
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fromRoot('dist', 'src', 'cli.js'), ...args], { cwd: ROOT, env: { ...process.env, TRAINYARD_DEBUG: '' }, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('bad inputs (test/fixtures/bad and generated)', () => {
  let dir: string;
  let cleanup: () => void;
  let timeoutBefore: string | undefined;
  before(() => {
    ({ dir, cleanup } = tempDir('trainyard-corpus-'));
    timeoutBefore = process.env.TRAINYARD_PLUGIN_TIMEOUT_MS;
    process.env.TRAINYARD_PLUGIN_TIMEOUT_MS = PLUGIN_TIMEOUT_MS;
  });
  after(() => {
    cleanup();
    if (timeoutBefore === undefined) delete process.env.TRAINYARD_PLUGIN_TIMEOUT_MS;
    else process.env.TRAINYARD_PLUGIN_TIMEOUT_MS = timeoutBefore;
  });

  it('has an expectation for every fixture and a fixture (or generator) for every expectation, 60 or more', () => {
    const files = readdirSync(BAD_DIR).filter((f) => f.endsWith('.yaml')).sort();
    const kept = Object.entries(BAD_EXPECTED).filter(([, e]) => !e.generated).map(([name]) => name);
    assert.deepEqual(files, kept.sort());
    const generated = Object.entries(BAD_EXPECTED).filter(([, e]) => e.generated).map(([name]) => name);
    assert.deepEqual(generated.sort(), Object.keys(GENERATED).sort());
    assert.ok(Object.keys(BAD_EXPECTED).length >= 60, `only ${Object.keys(BAD_EXPECTED).length} bad inputs`);
  });

  for (const [name, expected] of Object.entries(BAD_EXPECTED)) {
    it(`${name} → ${expected.line !== undefined ? `${expected.line}:${expected.col}` : '(no position)'} ${expected.path || '(file)'}: ${expected.message.join(' … ')}`, async () => {
      const { file, out } = input(name, expected, dir);
      const started = Date.now();
      if (out !== undefined) {
        // run: the config is fine; the output root is checked before anything is loaded or trained.
        await prepare(file);
        const error = await checkOutputRoot(out, '--out').then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
        for (const part of expected.message) assert.ok(error.message.includes(part), error.message);
        return;
      }
      const error = await configError(prepare(file));
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms: bad input must be refused quickly`);
      const match = error.problems.find((p) => matches(p, expected));
      if (!match) assert.fail(`no problem at ${expected.line}:${expected.col} ${expected.path} mentioning ${JSON.stringify(expected.message)}; got:\n${show(error.problems)}`);
      assert.equal(match.file, file, 'the problem names the file as it was given');
      assert.equal(error.problems.length, 1, `one mistake should give one message; got:\n${show(error.problems)}`);
      assert.ok(error.message.startsWith(prefix(file, expected)), `the message starts with '${prefix(file, expected)}':\n${error.message}`);
    });
  }

  /** What the CLI prints and returns for one entry; `inProcess` runs main() here (as the CLI's entry() does), else a child process. */
  async function outcome(args: string[], inProcess: boolean): Promise<{ status: number; stdout: string; stderr: string }> {
    if (!inProcess) return cli(args);
    const out: string[] = [];
    const err: string[] = [];
    const { log, error } = console;
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    console.error = (...a: unknown[]) => void err.push(a.join(' '));
    try {
      const status = await main(args).catch((e: unknown) => {
        if (!(e instanceof UserError)) throw e;
        err.push(e instanceof ConfigError ? e.message : `trainyard: ${e.message}`);
        return 2;
      });
      return { status, stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      Object.assign(console, { log, error });
    }
  }

  async function checkCli(name: string, expected: BadExpectation, base: string, inProcess: boolean): Promise<string | undefined> {
    const { args, file, out, own } = input(name, expected, base);
    const listing = () => (own !== undefined ? JSON.stringify(readdirSync(own, { recursive: true }).sort()) : '');
    const before = listing();
    const { status, stdout, stderr } = await outcome(args, inProcess);
    const shown = expected.generated ? file : rel(file);
    const problems = [
      status !== 2 && `exit ${status}, not 2`,
      out === undefined && stdout !== '' && `stdout is not empty: ${stdout}`,
      out === undefined && !stderr.includes(prefix(shown, expected)) && `stderr lacks '${prefix(shown, expected)}'`,
      out !== undefined && !stderr.includes(out) && `stderr does not name ${out}`,
      ...expected.message.filter((m) => !stderr.includes(m)).map((m) => `stderr lacks '${m}'`),
      stackLines(stderr).length > 0 && 'a stack trace',
      stderr.includes('internal error') && 'an internal error',
      out !== undefined && /epoch/.test(stdout) && 'it trained',
      out !== undefined && listing() !== before && 'it created files',
      out !== undefined && !statSync(join(out, '..')).isFile() && 'the file under --out changed',
    ].filter(Boolean);
    return problems.length > 0 ? `${name} (${args.join(' ')}): ${problems.join('; ')}\n${stderr}` : undefined;
  }

  it('every one through the CLI code (main, in this process): exit 2, the file and position, the message, no stack trace', async () => {
    const failures: string[] = [];
    for (const [name, expected] of Object.entries(BAD_EXPECTED)) {
      const failure = await checkCli(name, expected, join(dir, 'main'), true);
      if (failure) failures.push(failure);
    }
    assert.deepEqual(failures, []);
  });

  it('a sample through the CLI as child processes: one of each kind of mistake, and every generated input', async function () {
    this.timeout(120000);
    const sample = Object.entries(BAD_EXPECTED).filter(([name, e]) => e.generated || CLI_SAMPLE.includes(name));
    assert.equal(sample.length, CLI_SAMPLE.length + Object.keys(GENERATED).length, 'every name in CLI_SAMPLE is in the corpus');
    const failures: (string | undefined)[] = [];
    // Two at a time (two cores): each is a fresh node process.
    for (let i = 0; i < sample.length; i += 2) {
      failures.push(...(await Promise.all(sample.slice(i, i + 2).map(([name, expected]) => checkCli(name, expected, join(dir, 'child'), false)))));
    }
    assert.deepEqual(failures.filter(Boolean), []);
  });

  it('reports several problems of one file at once, in file order', async () => {
    // negative-lr.yaml with two more mistakes: epochs 0 (a later line) and an unknown layer (an earlier one).
    const text = readFileSync(badFile('negative-lr.yaml'), 'utf8')
      .replace('epochs: 10', 'epochs: 0')
      .replace('{type: dense, units: 256}', '{type: dens, units: 256}');
    const file = join(dir, 'three.yaml');
    writeFileSync(file, text);
    const error = await configError(prepare(file));
    assert.deepEqual(
      error.problems.map((p) => [p.line, p.path]),
      [
        [6, 'model.layers[3].type'],
        [9, 'optimizers[0].lr'],
        [12, 'training.epochs'],
      ],
      show(error.problems),
    );
  });

  it('validating every kept bad file (and a good one) in one call exits 2 and reports each file', async () => {
    const names = Object.entries(BAD_EXPECTED).filter(([, e]) => !e.generated).map(([name]) => name);
    const { status, stdout, stderr } = await cli(['validate', ...names.map((name) => rel(badFile(name))), rel(LECTURE)]);
    assert.equal(status, 2);
    assert.deepEqual(stackLines(stderr), []);
    for (const name of names) assert.ok(stderr.includes(prefix(rel(badFile(name)), BAD_EXPECTED[name])), `stderr lacks ${name}`);
    assert.match(stdout, /lecture-25-optimizers\.yaml: valid/, 'the good file is still validated and reported');
  });
});
