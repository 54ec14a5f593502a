// Fault injection for the kill and disk-full tests: TRAINYARD_FAILPOINT names a point in the code
// and what happens there, e.g. 'kill@checkpoint-rename#2' (SIGKILL the whole process the second
// time a checkpoint is about to be renamed into place) or 'enospc@append:epochEnd#3'. Hits are
// counted per thread (a worker thread counts its own). Unset (as always outside those tests), each
// call is one comparison.

const spec = process.env.TRAINYARD_FAILPOINT;
const parsed = spec ? /^(kill|enospc|throw)@(.+?)(?:#(\d+))?$/.exec(spec) : null;
let hits = 0;

/** Marks a point where a fault may be injected; returns normally unless the spec names it. */
export function failpoint(point: string): void {
  if (!parsed || parsed[2] !== point) return;
  hits++;
  if (hits !== Number(parsed[3] ?? 1)) return;
  if (parsed[1] === 'kill') process.kill(process.pid, 'SIGKILL');
  const error = new Error(parsed[1] === 'enospc' ? `ENOSPC: no space left on device, write (injected at ${point})` : `injected fault at ${point}`) as NodeJS.ErrnoException;
  if (parsed[1] === 'enospc') error.code = 'ENOSPC';
  throw error;
}
