// Opening a run directory: it is data, so it runs no code unless told; messages that say where
// to look; names escaped on the console; --quiet still says what failed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runDirOf, tinyLecture, trainyard, writeExperiment } from './helpers.js';
import { ROOT } from '../run-helpers.js';

const plugin = (name: string) => join(ROOT, 'test', 'fixtures', 'plugins', name);

describe('faults: opening a run directory', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-opening-');

  it('evaluate, report, compare and resume run none of a run\'s plugin code without --allow-plugins', () => {
    const marker = join(dir, 'imported');
    const file = writeExperiment(dir, 'plugged', tinyLecture('plugged', `plugins: [${plugin('marks-import.js')}]`, { epochs: 1 }));
    const out = join(dir, 'plugged');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet'], { IMPORT_MARKER: marker }).code, 0);
    rmSync(marker);
    const run = runDirOf(out, 'plugged');
    for (const args of [['evaluate', run], ['run', '--resume', run]]) {
      const refused = trainyard(args, { IMPORT_MARKER: marker });
      assert.equal(refused.code, 2, `${args[0]}: ${refused.stderr}`);
      assert.match(refused.stderr, /this run needs plugin modules \(.*marks-import\.js\); opening it would run their code.*--allow-plugins/);
    }
    assert.equal(trainyard(['report', run], { IMPORT_MARKER: marker }).code, 0);
    assert.equal(trainyard(['compare', run, run, '--out', join(dir, 'cmp')], { IMPORT_MARKER: marker }).code, 0);
    assert.equal(existsSync(marker), false, 'no command imported the module');
    const allowed = trainyard(['evaluate', run, '--allow-plugins'], { IMPORT_MARKER: marker });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(readFileSync(marker, 'utf8').includes('imported'), 'with --allow-plugins it does');
  });

  it('evaluate of a directory that is not a run says so and suggests the runs it holds (latest)', () => {
    const out = join(dir, 'suggest');
    const file = writeExperiment(dir, 'sug', tinyLecture('sug', '', { epochs: 1 }));
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report']).code, 0);
    const missing = trainyard(['evaluate', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /evaluate .*nope: no such directory/);
    for (const where of [out, join(out, 'sug')]) {
      const result = trainyard(['evaluate', where]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^trainyard: evaluate .*: not a run directory \(it has no plan\.json\); did you mean .*sug\/latest\?/);
      assert.doesNotMatch(result.stderr, /--resume/);
    }
    mkdirSync(join(dir, 'empty'));
    assert.match(trainyard(['evaluate', join(dir, 'empty')]).stderr, /a run directory is <out>\/<experiment>\/<run id>/);
  });

  it('--quiet prints the summary and why a trial failed', () => {
    const file = writeExperiment(dir, 'broken', tinyLecture('broken', `plugins: [${plugin('throws-in-create.js')}]`, { epochs: 1 }).replace('[flatten,', '[flatten, brokenLayer,').replace('optimizers:\n', 'optimizers:\n  - {name: Only, type: sgd, lr: 0.1}\n#'));
    const result = trainyard(['run', file, '--out', join(dir, 'broken-out'), '--quiet', '--no-report']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /only\/seed-0: failed: brokenLayer cannot be built/);
    assert.match(result.stdout, /trial\s+status\s+epochs/);
    assert.match(result.stdout, /Only \(seed 0\)\s+failed/);
    assert.doesNotMatch(result.stdout, /^epoch 1 \|/m, 'no per-epoch lines');
  });

  it('names with control characters are printed escaped, never raw', () => {
    const file = writeExperiment(dir, 'esc', tinyLecture('esc', '', { epochs: 1, optimizers: '  - {name: "Evil\\e[2J\\rname\\nfake line", type: sgd, lr: 0.05}' }));
    const result = trainyard(['run', file, '--out', join(dir, 'esc-out'), '--no-report']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /[\u001b\r]/);
    assert.doesNotMatch(result.stdout, /^fake line/m);
    assert.match(result.stdout, /Evil\\u001b\[2J\\u000dname\\u000afake line/);
  });
});
