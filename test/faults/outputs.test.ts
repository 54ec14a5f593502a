// Outputs that cannot be written are clear errors before any training (exit 2), and a full disk
// leaves no empty run directory behind for `latest` to name.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { canMount, makeTempDir, runDirOf, tinyLecture, trainyard, withTmpfs, writeExperiment } from './helpers.js';

describe('faults: outputs that cannot be written', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-outputs-');
  const file = writeExperiment(dir, 'tiny', tinyLecture('tiny'));

  const refused = (args: string[], pattern: RegExp) => {
    const result = trainyard(args, {}, 30000);
    assert.equal(result.signal, null, `${args.join(' ')}: it must not hang`);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
    return result;
  };

  it('--out /proc/x (recursive mkdir loops there), /sys/kernel and a symlink loop: located errors, exit 2', () => {
    refused(['run', file, '--out', '/proc/x'], /--out: cannot write runs under \/proc\/x: \/proc is on the kernel's proc file system/);
    refused(['run', file, '--out', '/sys/kernel'], /--out: cannot write runs under \/sys\/kernel: .*sysfs/);
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    refused(['run', file, '--out', join(dir, 'loop-a', 'runs')], /--out: cannot write runs under .*loop-a.*loop of symbolic links/);
  });

  it('compare --out is checked like run --out: /proc, a file', () => {
    const out = join(dir, 'compare');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report']).code, 0);
    const run = runDirOf(out, 'tiny');
    refused(['compare', run, run, '--out', '/proc/x'], /--out: cannot write the report under \/proc\/x/);
    writeFileSync(join(dir, 'a-file'), 'x');
    refused(['compare', run, run, '--out', join(dir, 'a-file')], /a-file is a file, not a directory/);
  });

  it('a full disk or no inodes at the start leaves no run directory and no latest', async function () {
    if (!canMount()) {
      if (process.env.CI) throw new Error('the disk-full tests need root and mount (CI runs as root)');
      this.skip();
    }
    const fills = {
      'no space': { size: '64k', fill: (m: string) => `head -c 20000000 /dev/zero > ${m}/filler 2>/dev/null` },
      'no inodes': { size: '1m,nr_inodes=8', fill: (m: string) => `i=0; while [ $i -lt 100 ] && touch ${m}/f$i 2>/dev/null; do i=$((i+1)); done` },
    };
    for (const [what, { size, fill }] of Object.entries(fills)) {
      const mount = join(dir, `full-${what.replace(' ', '-')}`);
      mkdirSync(mount);
      await withTmpfs(mount, size, () => {
        // The experiment's directory exists; then nothing more fits.
        mkdirSync(join(mount, 'tiny'));
        spawnSync('sh', ['-c', fill(mount)]);
        const result = trainyard(['run', file, '--out', mount, '--quiet', '--no-report'], {}, 60000);
        assert.equal(result.code, 2, `${what}: ${result.stdout}${result.stderr}`);
        assert.match(result.stderr, /cannot (start|create) a run/);
        assert.deepEqual(readdirSync(join(mount, 'tiny')), [], `${what}: nothing left behind`);
        assert.equal(existsSync(join(mount, 'tiny', 'latest')), false);
      });
    }
  });

  it('report and run --resume on a read-only run directory: clear errors', async function () {
    if (!canMount()) {
      if (process.env.CI) throw new Error('the read-only tests need root and mount (CI runs as root)');
      this.skip();
    }
    const mount = join(dir, 'ro');
    mkdirSync(mount);
    await withTmpfs(mount, '64m', () => {
      const killed = trainyard(['run', file, '--out', mount, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#2' });
      assert.equal(killed.signal, 'SIGKILL');
      const run = runDirOf(mount, 'tiny');
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount]).status, 0);
      refused(['report', run], /cannot write the report in .*read-only file system/);
      refused(['run', '--resume', run], /cannot continue the run here: the directory is on a read-only file system/);
    });
  });
});
