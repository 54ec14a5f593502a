// The trainyard command line as a user runs it (child processes): help, mistakes in the command
// line itself, list, plan and validate. Exit codes: 0 success, 2 bad input.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fromRoot, runCli, runCliInProcess, stackLines } from './config/support.js';

const COMMANDS = ['run', 'validate', 'plan', 'list', 'schema'];

/** A bad-input outcome: exit 2, the message on stderr, no stack trace. */
function assertBadInput(result: { status: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.equal(result.status, 2, `exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.deepEqual(stackLines(result.stderr), [], result.stderr);
  assert.ok(!/internal error/.test(result.stderr), result.stderr);
}

describe('trainyard CLI', () => {
  it('runs as the program: dist/src/cli.js prints its version and the help, with the exit codes of the process', () => {
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(runCli([]).status, 2);
    const bad = runCli(['validate', 'no-such-file.yaml']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no-such-file\.yaml.*file not found/);
  });

  it('--help lists every command and the exit codes', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = await runCliInProcess([flag]);
      assert.equal(result.status, 0);
      for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'), `${flag}: ${command}`);
      assert.match(result.stdout, /Exit codes: 0 success, 1 a run failed, 2 bad input/);
    }
  });

  it('help lists come from the registries: every backend in run --help, every plugin kind in list --help and --help', async () => {
    const { createRegistries } = await import('../src/registry/index.js');
    const registries = createRegistries();
    const run = (await runCliInProcess(['run', '--help'])).stdout;
    for (const name of registries.backends.names()) assert.match(run, new RegExp(`--backend NAME .*\\b${name}\\b`), name);
    const list = (await runCliInProcess(['list', '--help'])).stdout.replace(/\n/g, ' ');
    const help = (await runCliInProcess(['--help'])).stdout;
    for (const kind of Object.keys(registries)) {
      assert.match(list, new RegExp(`\\b${kind}\\b`), kind);
      assert.match(help, new RegExp(`list \\[KIND\\].*\\b${kind}\\b`), kind);
    }
  });

  it('with no command prints the help and exits 2', async () => {
    const result = await runCliInProcess([]);
    assert.equal(result.status, 2);
    assert.match(result.stdout, /Usage: trainyard COMMAND/);
  });

  for (const command of COMMANDS) {
    it(`${command} --help prints its usage and exits 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const result = await runCliInProcess([command, flag]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^Usage: trainyard ${command}\\b`));
        assert.equal(result.stderr, '');
      }
    });
  }

  it('an unknown command exits 2 and suggests the nearest', async () => {
    const typo = await runCliInProcess(['valdate', 'x.yaml']);
    assertBadInput(typo, /unknown command 'valdate'; did you mean 'validate'\? \(commands: /);
    for (const command of COMMANDS) assert.match(typo.stderr, new RegExp(`\\b${command}\\b`));
    assertBadInput(await runCliInProcess(['frobnicate']), /unknown command 'frobnicate' \(commands: /);
  });

  it('an unknown flag exits 2 and names the flag', async () => {
    assertBadInput(await runCliInProcess(['validate', '--strict', 'experiments/lecture-25-optimizers.yaml']), /validate: Unknown option '--strict'.*\(see trainyard validate --help\)/);
    assertBadInput(await runCliInProcess(['list', '--all']), /list: Unknown option '--all'/);
    assertBadInput(await runCliInProcess(['plan', '--set']), /plan: Option '--set <value>' argument missing/);
  });

  it('wrong numbers of arguments exit 2 with a usage hint', async () => {
    assertBadInput(await runCliInProcess(['validate']), /validate needs at least one FILE/);
    assertBadInput(await runCliInProcess(['plan', 'a.yaml', 'b.yaml']), /plan needs exactly one FILE/);
    assertBadInput(await runCliInProcess(['schema', 'a.yaml', 'b.yaml']), /schema takes at most one EXPERIMENT\.yaml/);
    assertBadInput(await runCliInProcess(['list', 'optimizers', 'losses']), /list takes at most one KIND/);
  });

  it('list optimizers shows sgd and adam with their params, types and defaults', async () => {
    const result = await runCliInProcess(['list', 'optimizers']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^optimizers:$/m);
    assert.match(result.stdout, /^ {2}sgd {2}Stochastic gradient descent/m);
    assert.match(result.stdout, /^ {2}adam {2}Adam/m);
    assert.match(result.stdout, /^ +lr +number > 0 +0\.001 +Learning rate$/m);
    assert.match(result.stdout, /^ +momentum +number >= 0, < 1 +0 +Momentum factor/m);
    assert.match(result.stdout, /^ +nesterov +boolean +false /m);
    assert.match(result.stdout, /^ +betas +list of number +\[0\.9,0\.999\] /m);
    assert.match(result.stdout, /^ +eps +number >= 0 +1e-8 /m);
    assert.ok(!/^layers:/m.test(result.stdout), 'only the kind asked for');
  });

  it('list takes a singular kind, lists everything without one, and suggests for a typo', async () => {
    const one = await runCliInProcess(['list', 'layer']);
    assert.equal(one.status, 0);
    assert.match(one.stdout, /^ {2}dense .*\n +units +integer >= 1.* required /m);
    const all = await runCliInProcess(['list']);
    for (const kind of ['datasets', 'layers', 'losses', 'optimizers', 'metrics', 'backends']) assert.match(all.stdout, new RegExp(`^${kind}:$`, 'm'));
    assertBadInput(await runCliInProcess(['list', 'optimisers']), /unknown plugin kind 'optimisers'; did you mean 'optimizers'\?/);
  });

  it('plan prints the plan as JSON with the lecture’s 3 trials', async () => {
    const result = await runCliInProcess(['plan', 'experiments/lecture-25-optimizers.yaml']);
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout);
    assert.deepEqual(
      plan.trials.map((t: { id: string }) => t.id),
      ['sgd/seed-0', 'sgd-with-momentum/seed-0', 'adam/seed-0'],
    );
    assert.equal(plan.experiment.name, 'lecture-25-optimizers');
    assert.equal(plan.config.optimizers[1].momentum, 0.9);
    assert.equal(plan.data.trainSize, 8000);
  });

  it('plan of a bad file exits 2 with FILE:LINE:COL and prints no JSON', async () => {
    const result = await runCliInProcess(['plan', 'test/fixtures/bad/zero-lr.yaml']);
    assertBadInput(result, /^test\/fixtures\/bad\/zero-lr\.yaml:11:34 optimizers\[2\]\.lr: must be > 0 \(got 0\)$/m);
    assert.equal(result.stdout, '');
  });

  it('validate experiments/*.yaml exits 0 and reports each file valid', async () => {
    const files = readdirSync(fromRoot('experiments'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `experiments/${f}`);
    const result = await runCliInProcess(['validate', ...files]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    for (const file of files) assert.match(result.stdout, new RegExp(`^${file.replace(/\./g, '\\.')}: valid \\(\\d+ trials?, `, 'm'));
  });
});
