import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { downloadVerified, type DownloadOptions } from '../../src/util/download.js';
import { makeTempDir } from '../run-helpers.js';

const FILE = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31) % 251));
const MD5 = createHash('md5').update(FILE).digest('hex');
/** Most a misbehaving route writes (so a client without a cap cannot fill the disk), then it goes silent. */
const SERVER_LIMIT = 64 << 20;

/** Streams chunks of zeros until the client goes away or SERVER_LIMIT is reached, then sends nothing more. */
function endless(res: ServerResponse): void {
  const chunk = Buffer.alloc(1 << 16);
  let sent = 0;
  const more = () => {
    if (res.destroyed || sent >= SERVER_LIMIT) return;
    sent += chunk.length;
    if (res.write(chunk)) setImmediate(more);
    else res.once('drain', more);
  };
  more();
}

describe('util/download (against a local server)', function () {
  this.timeout(20000);
  let server: Server;
  let base = '';
  let requests: string[] = [];
  let dir = '';

  before(async () => {
    server = createServer((req, res) => {
      const route = (req.url ?? '').slice(1);
      requests.push(route);
      if (route === 'file') res.writeHead(200, { 'content-length': FILE.length }).end(FILE);
      else if (route === 'endless') {
        res.writeHead(200); // chunked: no length to refuse up front
        endless(res);
      } else if (route === 'claims-too-much') res.writeHead(200, { 'content-length': 10 ** 10 }).flushHeaders();
      else if (route === 'headers-then-nothing') res.writeHead(200, { 'content-length': FILE.length }).flushHeaders();
      else if (route === 'nothing') return; // never answers
      else if (route === 'closes-early') {
        res.writeHead(200, { 'content-length': FILE.length });
        res.write(FILE.subarray(0, 1000), () => res.destroy());
      } else if (route === 'trickle') {
        // A byte every 50 ms: slow, but never silent for a whole stall time.
        res.writeHead(200, { 'content-length': 10 });
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write(FILE.subarray(sent, sent + 1));
          if (++sent === 10) {
            clearInterval(timer);
            res.end();
          }
        }, 50);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    requests = [];
    dir = makeTempDir();
  });

  const fast: DownloadOptions = { md5: MD5, maxBytes: FILE.length, stallMs: 200 };
  const get = (route: string, options: DownloadOptions = fast) => downloadVerified(`${base}${route}`, join(dir, 'file.gz'), options);

  it('downloads a right file and caches only it', async () => {
    await get('file');
    assert.deepEqual(readFileSync(join(dir, 'file.gz')), FILE);
    assert.deepEqual(readdirSync(dir), ['file.gz']);
    assert.deepEqual(requests, ['file']);
  });

  it('stops a body that never ends at the size cap, once, and caches nothing', async () => {
    await assert.rejects(get('endless'), new RegExp(`endless: the server sends more than ${FILE.length} bytes, more than the ${FILE.length} bytes \\(0\\.1 MB\\) the file has; refused, nothing was cached`));
    assert.deepEqual(requests, ['endless'], 'a file of the wrong size is not asked for again');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses a declared length above the cap before reading the body', async () => {
    await assert.rejects(get('claims-too-much'), /claims-too-much: the server sends 10000000000 bytes, more than the 50000 bytes/);
    assert.deepEqual(requests, ['claims-too-much']);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('counts a silence of stallMs as a stall, tries 3 times in all, then fails', async () => {
    for (const route of ['headers-then-nothing', 'nothing']) {
      requests = [];
      await assert.rejects(get(route), new RegExp(`${route}: download failed after 3 attempts \\(no data for 200 ms\\); nothing was cached`));
      assert.deepEqual(requests, [route, route, route]);
      assert.deepEqual(readdirSync(dir), []);
    }
  });

  it('restarts the stall timer with every chunk, so a slow server that keeps sending is fine', async () => {
    await get('trickle', { maxBytes: 10, stallMs: 200 });
    assert.deepEqual(readFileSync(join(dir, 'file.gz')), FILE.subarray(0, 10));
  });

  it('retries a connection closed early, then fails with nothing cached', async () => {
    await assert.rejects(get('closes-early'), /closes-early: download failed after 3 attempts \(.+\); nothing was cached/);
    assert.deepEqual(requests, ['closes-early', 'closes-early', 'closes-early']);
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(get('closes-early', { ...fast, attempts: 1 }), /download failed after 1 attempt \(/);
  });

  it('tries 3 times in all unless told otherwise', async () => {
    await assert.rejects(get('closes-early', { maxBytes: FILE.length }), /after 3 attempts/);
    assert.equal(requests.length, 3);
  });

  it('refuses a file whose checksum differs, without retrying, and caches nothing', async () => {
    await assert.rejects(get('file', { ...fast, md5: '0'.repeat(32) }), /checksum mismatch .*the file was not cached/);
    assert.deepEqual(requests, ['file']);
    assert.deepEqual(readdirSync(dir), []);
  });
});
