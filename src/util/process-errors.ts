// The process's own handling of errors nobody caught: a late throw from a plugin's timer, a
// rejection nobody awaited. Without it Node prints a raw stack (and the wasm backend's handlers
// would turn it into exit code 7). With it, one clear line, the run's cleanup, and exit code 1.

type Cleanup = (error: Error) => void;
const cleanups = new Set<Cleanup>();
let installed = false;

/** Registers what must happen before the process dies of an uncaught error (mark the run failed, release its lock); returns the undo. */
export function onFatalError(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function describeUncaught(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export function installProcessErrorHandlers(): void {
  if (installed) return;
  installed = true;
  // `trainyard run ... | head` closes stdout early: the run goes on (its records are what count), unprinted.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  const fatal = (kind: string) => (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    process.stderr.write(`trainyard: ${kind}: ${describeUncaught(error)} (set TRAINYARD_DEBUG=1 for the stack)\n`);
    if (process.env.TRAINYARD_DEBUG) process.stderr.write(`${error.stack}\n`);
    for (const cleanup of cleanups) {
      try {
        cleanup(error);
      } catch {
        // Dying anyway: the next cleanup still runs.
      }
    }
    process.exit(1);
  };
  process.on('uncaughtException', fatal('an error nobody caught (from a plugin?)'));
  const rejected = fatal('a promise rejection nobody handled (from a plugin?)');
  const onRejection = (reason: unknown) => {
    // While a plugin module loads, its loader listens too and reports the rejection as the module's problem.
    if (process.listenerCount('unhandledRejection') > 1) return;
    rejected(reason);
  };
  process.on('unhandledRejection', onRejection);
}
