// The one reader of events.jsonl. The log is append-only and never truncated: a line that is not
// a complete event (a line torn by a kill, a corrupted byte) is skipped by every reader, and a
// writer about to append copies such lines aside first, so nothing recorded is ever destroyed.
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEvent, TrialStatus } from './types.js';

export const EVENTS_FILE = 'events.jsonl';

export interface BadLine {
  /** 1-based line number in events.jsonl. */
  line: number;
  text: string;
}

export interface EventLog {
  events: RunEvent[];
  /** Lines that are not events: skipped. */
  bad: BadLine[];
  /** The file does not end with a newline: its last line was cut off mid-write (it is in bad). */
  torn: boolean;
  /** The file does not exist. */
  missing: boolean;
}

const STATUSES = new Set<TrialStatus>(['ok', 'diverged', 'failed', 'interrupted']);
const RUN_STATUSES = new Set(['ok', 'failed', 'interrupted']);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** What each event type must carry for the fold to use it. */
const SHAPES: Record<RunEvent['type'], (e: Record<string, unknown>) => boolean> = {
  runStart: (e) => isString(e.backend) && Array.isArray(e.backendsTried),
  trialStart: (e) => isString(e.trialId) && (e.resumedFrom === undefined || isCount(e.resumedFrom)),
  step: (e) => isString(e.trialId),
  epochEnd: (e) => isString(e.trialId) && isCount(e.epoch) && (e.epoch as number) >= 1 && isNumber(e.lr) && isCount(e.steps) && (isNumber(e.trainLoss) || e.trainLoss === null),
  trialEnd: (e) => isString(e.trialId) && STATUSES.has(e.status as TrialStatus),
  trialFailed: (e) => isString(e.trialId) && isString(e.error),
  runEnd: (e) => RUN_STATUSES.has(e.status as string) && isNumber(e.seconds),
};

/** The line as an event, or undefined when it is not one. */
export function parseEventLine(line: string): RunEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const event = value as Record<string, unknown>;
  const shape = SHAPES[event.type as RunEvent['type']];
  if (!Object.hasOwn(SHAPES, event.type as string) || !isString(event.time) || !shape(event)) return undefined;
  return event as unknown as RunEvent;
}

export function parseEventLog(text: string): Omit<EventLog, 'missing'> {
  const events: RunEvent[] = [];
  const bad: BadLine[] = [];
  const lines = text.split('\n');
  const torn = text.length > 0 && !text.endsWith('\n');
  // After the last newline comes '' (a complete file) or the torn line.
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    const event = line.trim() === '' ? undefined : parseEventLine(line);
    if (event) events.push(event);
    else if (line.trim() !== '' || (torn && i === lines.length - 1)) bad.push({ line: i + 1, text: line });
  });
  return { events, bad, torn };
}

/** Reads a run's events (for readers: changes nothing). */
export async function readEventLog(runDir: string): Promise<EventLog> {
  let text: string;
  try {
    text = await readFile(join(runDir, EVENTS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], bad: [], torn: false, missing: true };
    throw error;
  }
  return { ...parseEventLog(text), missing: false };
}

/** '2026-12-01T10-20-30-123Z': a time that is also a file name. */
const fileTime = (date = new Date()): string => date.toISOString().replace(/[:.]/g, '-');

/**
 * Makes the log ready for appending without losing a byte: bad lines are copied to
 * events.jsonl.bad-<time> (the log keeps them; readers skip them), and a torn last line is ended
 * with a newline so that the next event starts a line of its own. Returns the log as it was read
 * and the file the bad lines went to.
 */
export async function prepareEventLogForAppend(runDir: string): Promise<EventLog & { badFile?: string; copied: BadLine[] }> {
  const log = await readEventLog(runDir);
  // A bad line stays in the log: one an earlier resume copied aside is not copied again.
  const aside = new Set<string>();
  for (const name of await readdir(runDir).catch(() => [] as string[])) {
    if (name.startsWith(`${EVENTS_FILE}.bad-`)) for (const line of (await readFile(join(runDir, name), 'utf8')).split('\n')) aside.add(line);
  }
  const copied = log.bad.filter((b) => !aside.has(b.text));
  let badFile: string | undefined;
  if (copied.length > 0) {
    badFile = join(runDir, `${EVENTS_FILE}.bad-${fileTime()}`);
    await writeFile(badFile, copied.map((b) => `${b.text}\n`).join(''), { flag: 'wx' });
  }
  if (log.torn) await appendFile(join(runDir, EVENTS_FILE), '\n');
  return { ...log, copied, ...(badFile ? { badFile } : {}) };
}

/** Appends one event as a line; `afterTorn`: first end a line a failed append may have left unfinished. */
export const appendEventLine = (runDir: string, event: RunEvent, afterTorn = false): Promise<void> =>
  appendFile(join(runDir, EVENTS_FILE), `${afterTorn ? '\n' : ''}${JSON.stringify(event)}\n`);
