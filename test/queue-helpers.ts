// Queue tests: worker and coordinator processes of the CLI, with the queue URL in their
// environment (TRAINYARD_QUEUE) rather than on their command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT } from './run-helpers.js';

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  /** Resolves once the output matches (rejects when the process ends first). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Short limits for tests: a lost lock is found within about a second, a lost Redis given up after 3 s. */
export const FAST_QUEUE = { TRAINYARD_QUEUE_STALL_MS: '1000', TRAINYARD_QUEUE_LOST_MS: '3000' };

export function trainyardProc(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...FAST_QUEUE, ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output: out })));
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, ms = 60000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`)), ms);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          if (pattern.test(out)) resolve();
          else reject(new Error(`the process ended before ${pattern}; output:\n${out}`));
        });
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A worker process on the queue at `url`, ready once it says it takes trials. */
export async function startWorker(url: string, args: string[] = [], env: Record<string, string> = {}): Promise<Proc> {
  const worker = trainyardProc(['worker', ...args], { TRAINYARD_QUEUE: url, ...env });
  await worker.waitFor(/taking trials from/);
  return worker;
}

/** Trials' metrics without timing and without which worker ran them: what a local run must match. */
export function comparable(metrics: any): unknown {
  return metrics.trials.map(({ workers: _w, ...t }: any) => ({
    ...t,
    epochs: t.epochs.map(({ seconds: _s, cumulativeSeconds: _c, ...rest }: any) => rest),
  }));
}
