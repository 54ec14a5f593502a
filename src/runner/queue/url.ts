// A queue URL (redis://[USER:PASSWORD@]HOST:PORT[/DB], rediss:// for TLS) read into connection
// options, and the one form of it that may be shown or written: without user and password.
import { UserError } from '../../util/errors.js';

export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** 'redis://host:port/db': what output, events and run files say; never the credentials. */
  shown: string;
}

const EXAMPLE = 'redis://[USER:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS';

/** Parses a queue URL; a malformed one is a UserError that quotes it without its password. */
export function parseQueueUrl(text: string, flag = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not quoted: what is not a URL has no telling where a password in it begins.
    throw new UserError(`${flag}: not a URL; expected ${EXAMPLE}`);
  }
  const shownInput = hidePassword(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UserError(`${flag}: ${shownInput} is not a Redis URL (got scheme '${url.protocol.replace(/:$/, '')}'); expected ${EXAMPLE}`);
  if (!url.hostname) throw new UserError(`${flag}: ${shownInput} names no host; expected ${EXAMPLE}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new UserError(`${flag}: ${shownInput}: the database must be a number from 0 to 99 (got '${dbText}')`);
  if (url.search || url.hash) throw new UserError(`${flag}: ${shownInput}: query strings and fragments are not understood; expected ${EXAMPLE}`);
  const db = dbText === '' ? 0 : Number(dbText);
  const tls = url.protocol === 'rediss:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    tls,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    shown: `${url.protocol}//${url.hostname}:${port}/${db}`,
  };
}

/** The text with whatever stands between '//' and '@' replaced: a URL quoted in an error keeps no credentials. */
export function hidePassword(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1***@');
}

/** A message from Redis or its client, with the password of `address` removed wherever it appears. */
export function redact(message: string, address?: QueueAddress): string {
  let out = hidePassword(message);
  if (address?.password) out = out.split(address.password).join('***');
  if (address?.password && encodeURIComponent(address.password) !== address.password) out = out.split(encodeURIComponent(address.password)).join('***');
  return out;
}

/** The queue URL of a command: --queue, else TRAINYARD_QUEUE (which keeps it out of shell history); undefined when neither is set. */
export function queueUrlOf(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): { text: string; flag: string } | undefined {
  if (typeof values.queue === 'string') return { text: values.queue, flag: '--queue' };
  const fromEnv = env.TRAINYARD_QUEUE;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? { text: fromEnv.trim(), flag: 'TRAINYARD_QUEUE' } : undefined;
}
