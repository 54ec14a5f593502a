import assert from 'node:assert/strict';
import { hidePassword, parseQueueUrl, queueUrlOf, redact } from '../../../src/runner/queue/url.js';
import { UserError } from '../../../src/util/errors.js';

describe('runner/queue/url', () => {
  it('reads host, port, database, user and password; what it shows has no credentials', () => {
    const a = parseQueueUrl('redis://alice:s3cr%40t@redis.example:6380/2');
    assert.deepEqual(
      { host: a.host, port: a.port, db: a.db, tls: a.tls, username: a.username, password: a.password, shown: a.shown },
      { host: 'redis.example', port: 6380, db: 2, tls: false, username: 'alice', password: 's3cr@t', shown: 'redis://redis.example:6380/2' },
    );
    const b = parseQueueUrl('rediss://:pw@10.0.0.1');
    assert.deepEqual([b.port, b.db, b.tls, b.username, b.password, b.shown], [6379, 0, true, undefined, 'pw', 'rediss://10.0.0.1:6379/0']);
  });

  it('refuses what is not a Redis URL, quoting it without its password', () => {
    for (const [text, pattern] of [
      ['http://u:hunter2@host', /not a Redis URL \(got scheme 'http'\)/],
      ['redis://u:hunter2@host/x', /database must be a number/],
      ['not a url hunter2@', /not a URL/],
      ['redis://u:hunter2@host:1?tls=1', /query strings/],
    ] as const) {
      assert.throws(() => parseQueueUrl(text), (e: Error) => e instanceof UserError && pattern.test(e.message) && !e.message.includes('hunter2'), text);
    }
  });

  it('redact removes the password wherever a message repeats it', () => {
    const address = parseQueueUrl('redis://u:p%2Fq@h:1');
    assert.equal(redact('failed for redis://u:p%2Fq@h:1 with p/q and p%2Fq', address), 'failed for redis://***@h:1 with *** and ***');
    assert.equal(hidePassword('see rediss://x:y@z:2/0 now'), 'see rediss://***@z:2/0 now');
  });

  it('--queue comes first, then TRAINYARD_QUEUE; blank is unset', () => {
    assert.deepEqual(queueUrlOf({ queue: 'redis://a' }, { TRAINYARD_QUEUE: 'redis://b' }), { text: 'redis://a', flag: '--queue' });
    assert.deepEqual(queueUrlOf({}, { TRAINYARD_QUEUE: ' redis://b ' }), { text: 'redis://b', flag: 'TRAINYARD_QUEUE' });
    assert.equal(queueUrlOf({}, { TRAINYARD_QUEUE: '  ' }), undefined);
  });
});
