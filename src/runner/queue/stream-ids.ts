// Redis stream ids ('<ms>-<seq>'), compared as numbers.
const parts = (id: string): [bigint, bigint] => {
  const [ms, seq] = id.split('-');
  return [BigInt(ms ?? 0), BigInt(seq ?? 0)];
};

export function laterId(a: string, b: string): string {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return am > bm || (am === bm && as >= bs) ? a : b;
}

/** How far a log read a run's stream: the latest streamId its events carry ('0-0': from the start). */
export function cursorOf(events: readonly object[]): string {
  return (events as { streamId?: unknown }[]).reduce((cursor: string, e) => (typeof e.streamId === 'string' && /^\d+-\d+$/.test(e.streamId) ? laterId(cursor, e.streamId) : cursor), '0-0');
}
