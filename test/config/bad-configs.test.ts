// Every file in test/fixtures/bad/ holds one mistake; test/fixtures/bad/expected.json says, by hand,
// where a user must look (line, column, key path) and what the message must tell them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prepare } from '../../src/config/pipeline.js';
import { BAD_DIR, BAD_EXPECTED, configError, fromRoot, LECTURE, ROOT, runCli, show, stackLines, tempDir } from './support.js';

const badFile = (name: string) => fromRoot('test', 'fixtures', 'bad', name);
const rel = (file: string) => relative(ROOT, file);

describe('bad experiment files (test/fixtures/bad)', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    const files = readdirSync(BAD_DIR).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, Object.keys(BAD_EXPECTED).sort());
    assert.ok(files.length >= 30, `only ${files.length} bad fixtures`);
  });

  for (const [name, expected] of Object.entries(BAD_EXPECTED)) {
    it(`${name} → ${expected.line}:${expected.col} ${expected.path || '(file)'}: ${expected.message.join(' … ')}`, async () => {
      const file = badFile(name);
      const error = await configError(prepare(file));
      const match = error.problems.find(
        (p) => p.line === expected.line && p.col === expected.col && p.path === expected.path && expected.message.every((m) => p.message.includes(m)),
      );
      if (!match) {
        assert.fail(`no problem at ${expected.line}:${expected.col} ${expected.path} mentioning ${JSON.stringify(expected.message)}; got:\n${show(error.problems)}`);
      }
      assert.equal(match.file, file, 'the problem names the file as it was given');
      assert.equal(error.problems.length, 1, `one mistake should give one message; got:\n${show(error.problems)}`);
      assert.ok(error.message.includes(`${file}:${expected.line}:${expected.col} `), 'the error message starts each line with FILE:LINE:COL');
    });
  }

  it('reports several problems of one file at once, in file order', async () => {
    // negative-lr.yaml with two more mistakes: epochs 0 (a later line) and an unknown layer (an earlier one).
    const text = readFileSync(badFile('negative-lr.yaml'), 'utf8')
      .replace('epochs: 10', 'epochs: 0')
      .replace('{type: dense, units: 256}', '{type: dens, units: 256}');
    const { dir, cleanup } = tempDir();
    try {
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
    } finally {
      cleanup();
    }
  });
});

describe('trainyard validate on bad files (child process)', () => {
  const samples = ['negative-lr.yaml', 'yaml-syntax.yaml', 'unknown-optimizer.yaml', 'plugin-throws.yaml', 'missing-idx-dir.yaml', 'empty.yaml', 'list-not-mapping.yaml'];
  for (const name of samples) {
    it(`${name}: exit 2, FILE:LINE:COL on stderr, no stack trace`, () => {
      const expected = BAD_EXPECTED[name];
      const file = rel(badFile(name));
      const { status, stdout, stderr } = runCli(['validate', file]);
      assert.equal(status, 2, stderr);
      assert.equal(stdout, '', 'nothing on stdout for an invalid file');
      const where = `${file}:${expected.line}:${expected.col} ${expected.path ? `${expected.path}: ` : ''}`;
      assert.ok(stderr.includes(where), `stderr lacks '${where}':\n${stderr}`);
      for (const part of expected.message) assert.ok(stderr.includes(part), `stderr lacks '${part}':\n${stderr}`);
      assert.deepEqual(stackLines(stderr), []);
      assert.ok(!stderr.includes('internal error'), stderr);
    });
  }

  it('validating every bad file (and a good one) in one call exits 2 and reports each file', () => {
    const files = Object.keys(BAD_EXPECTED).map((name) => rel(badFile(name)));
    const { status, stdout, stderr } = runCli(['validate', ...files, rel(LECTURE)]);
    assert.equal(status, 2);
    assert.deepEqual(stackLines(stderr), []);
    for (const [name, expected] of Object.entries(BAD_EXPECTED)) {
      const where = `${rel(badFile(name))}:${expected.line}:${expected.col} `;
      assert.ok(stderr.includes(where), `stderr lacks ${where}`);
    }
    assert.match(stdout, /lecture-25-optimizers\.yaml: valid/, 'the good file is still validated and reported');
  });

  it('a missing file is exit 2 with its name, not a crash', () => {
    const { status, stderr } = runCli(['validate', 'experiments/no-such-file.yaml']);
    assert.equal(status, 2);
    assert.match(stderr, /experiments\/no-such-file\.yaml.*file not found/);
    assert.deepEqual(stackLines(stderr), []);
  });
});
