// What a resume appends to a run's log before training again, so that folding the log gives the
// record: the trials' result.json files and checkpoints are the record, events.jsonl the log.
// A log that lacks epochs or endings (a kill between a checkpoint and its event, a deleted or
// damaged log) gets them back, marked recovered. Pure.
import type { EpochRecord, Metrics, RunEventInput, TrialMetrics, TrialResult } from '../run-log/types.js';

export interface TrialRecord {
  /** The trial's result.json: it is finished. */
  result?: TrialResult;
  /** The epochs its newest checkpoint holds: it continues from the last. */
  checkpointEpochs?: EpochRecord[];
}

/** JSON with sorted keys: records compare by content, whatever order their keys were written in. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** How many epochs at the start of both lists are the same. */
function commonPrefix(logged: readonly EpochRecord[], recorded: readonly EpochRecord[]): number {
  let k = 0;
  while (k < logged.length && k < recorded.length && same(logged[k], recorded[k])) k++;
  return k;
}

type Ending = Pick<TrialMetrics, 'status' | 'error' | 'stoppedEarly' | 'restoredBest' | 'confusion'>;
const ending = (t: Ending): Ending => ({
  status: t.status,
  ...(t.error !== undefined ? { error: t.error } : {}),
  ...(t.stoppedEarly ? { stoppedEarly: t.stoppedEarly } : {}),
  ...(t.restoredBest ? { restoredBest: t.restoredBest } : {}),
  ...(t.confusion ? { confusion: t.confusion } : {}),
});

/** The events that bring one trial of the folded log in line with its record, and a note for the user. */
export function recoverTrial(logged: TrialMetrics, record: TrialRecord): { events: RunEventInput[]; note?: string } {
  const result = record.result;
  const recorded = result?.epochs ?? record.checkpointEpochs ?? [];
  const k = commonPrefix(logged.epochs, recorded);
  const missing = recorded.slice(k);
  const endsRight = !result || same(ending(logged), ending(result));
  // Logged epochs past a finished trial's record belong to nothing: dropped here. (An unfinished
  // trial drops them itself when it starts again from its checkpoint.)
  const dropExtra = result !== undefined && logged.epochs.length > k && missing.length === 0;
  if (missing.length === 0 && endsRight && !dropExtra) return { events: [] };
  const base = { trialId: logged.id, recovered: true as const };
  const events: RunEventInput[] = [];
  if (dropExtra) events.push({ type: 'trialStart', ...base, name: logged.name, seed: logged.seed, resumedFrom: k });
  for (const epoch of missing) events.push({ type: 'epochEnd', ...base, ...epoch });
  if (result && (!endsRight || dropExtra)) {
    events.push({
      type: 'trialEnd',
      ...base,
      status: result.status,
      ...(result.error !== undefined ? { reason: result.error } : {}),
      ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
      ...(result.restoredBest ? { restoredBest: result.restoredBest } : {}),
      ...(result.confusion ? { confusion: result.confusion } : {}),
      epochs: result.epochs.length,
    });
  }
  // Epochs after a lacking one are appended again too (an epochEnd replaces the epochs after it); the note counts what was lacking.
  const lacked = recorded.filter((r) => !logged.epochs.some((l) => same(l, r))).length;
  const what = [
    lacked > 0 ? `${lacked} epoch${lacked === 1 ? '' : 's'} the log lacked` : '',
    result && !endsRight ? `its ending (${result.status})` : '',
    dropExtra ? `its epochs after ${k}` : '',
  ].filter(Boolean);
  return { events, note: `${logged.id}: recovered ${what.join(', ')} from its ${result ? 'result.json' : 'checkpoint'}` };
}

/** Recovery for every trial of the folded log. */
export function recoverRun(logged: Metrics, records: ReadonlyMap<string, TrialRecord>): { events: RunEventInput[]; notes: string[] } {
  const events: RunEventInput[] = [];
  const notes: string[] = [];
  for (const trial of logged.trials) {
    const out = recoverTrial(trial, records.get(trial.id) ?? {});
    events.push(...out.events);
    if (out.note && out.events.length > 0) notes.push(out.note);
  }
  return { events, notes };
}
