// A Redis server of a test's own: redis-server on 127.0.0.1, a free port, a random password, no
// persistence; stopped (or killed, or started again on the same port) by the test. CI installs
// redis-server (.ci/run); elsewhere a test without it skips, naming the package.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { requireSystem } from './requirements.js';

export interface TestRedis {
  port: number;
  password: string;
  /** redis://:PASSWORD@127.0.0.1:PORT */
  url: string;
  /** Starts it again on the same port (after kill or stop): an empty Redis, as after a restart without persistence. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash: clients see the connection drop. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export const hasRedisServer = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

/** In a `before` hook: skips (locally) or fails (CI) when redis-server is missing. */
export function requireRedis(context: Mocha.Context): void {
  requireSystem(context, 'redis-server', hasRedisServer(), 'apt-get install redis-server');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING with PONG after AUTH. */
async function answers(port: number, password: string, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      let seen = '';
      socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
      socket.on('data', (d) => {
        seen += d;
        if (seen.includes('PONG')) {
          socket.destroy();
          resolve(true);
        }
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await answers(port, password);
  };
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  await launch();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    restart: launch,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
