import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventLine, parseEventLog, prepareEventLogForAppend, readEventLog } from '../../src/run-log/events-file.js';
import { makeTempDir } from '../run-helpers.js';

const start = '{"type":"runStart","time":"t","backend":"wasm","backendsTried":[]}';
const epoch = (n: number) => `{"type":"epochEnd","time":"t","trialId":"a/seed-0","epoch":${n},"trainLoss":1,"lr":0.1,"steps":${n},"seconds":1,"cumulativeSeconds":${n}}`;

describe('run-log/events-file', () => {
  it('takes only complete events: JSON that is not an event, or lacks what the fold needs, is a bad line', () => {
    assert.equal(parseEventLine(epoch(1))?.type, 'epochEnd');
    for (const bad of ['{', '[]', 'null', '{"type":"epochEnd","time":"t"}', '{"type":"nope","time":"t"}', '{"type":"trialEnd","time":"t","trialId":"x","status":"great"}', '{"type":"epochEnd","time":"t","trialId":"x","epoch":0,"trainLoss":1,"lr":1,"steps":1}']) {
      assert.equal(parseEventLine(bad), undefined, bad);
    }
  });

  it('skips a corrupted line in the middle and a torn last line, saying where they are', () => {
    const log = parseEventLog(`${start}\n${epoch(1)}\n{"type":"epo\u0000chEnd"\n${epoch(2)}\n${epoch(3).slice(0, 20)}`);
    assert.deepEqual(log.events.map((e) => (e.type === 'epochEnd' ? e.epoch : e.type)), ['runStart', 1, 2]);
    assert.deepEqual(log.bad.map((b) => b.line), [3, 5]);
    assert.equal(log.torn, true);
  });

  it('before appending, copies bad lines aside and ends a torn line, never cutting a byte', async () => {
    const dir = makeTempDir();
    const text = `${start}\n${epoch(1)}\nGARBAGE\n${epoch(2)}\n{"type":"epochEnd","tri`;
    writeFileSync(join(dir, 'events.jsonl'), text);
    const log = await prepareEventLogForAppend(dir);
    const after = readFileSync(join(dir, 'events.jsonl'), 'utf8');
    assert.ok(after.startsWith(text), 'the log keeps every byte it had');
    assert.equal(after, `${text}\n`, 'only a newline is added, so the next event starts its own line');
    assert.ok(log.badFile);
    assert.equal(readFileSync(log.badFile, 'utf8'), 'GARBAGE\n{"type":"epochEnd","tri\n');
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('events.jsonl.bad-')).length, 1);
    assert.deepEqual((await readEventLog(dir)).events.length, 3);
    const again = await prepareEventLogForAppend(dir);
    assert.equal(again.badFile, undefined, 'lines already copied aside are not copied again');
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('events.jsonl.bad-')).length, 1);
  });

  it('a missing log reads as missing, and a clean one is left alone', async () => {
    const dir = makeTempDir();
    assert.equal((await readEventLog(dir)).missing, true);
    writeFileSync(join(dir, 'events.jsonl'), `${start}\n`);
    const log = await prepareEventLogForAppend(dir);
    assert.equal(log.badFile, undefined);
    assert.equal(readFileSync(join(dir, 'events.jsonl'), 'utf8'), `${start}\n`);
  });
});
