import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { downloadableDataset, type DownloadableSpec } from '../../../src/registry/datasets/downloadable.js';
import { idxBytes } from '../../idx-files.js';
import { makeTempDir } from '../../run-helpers.js';

/** The four .gz files of a tiny dataset (6 train, 2 test, 3×3), as a server would publish them. */
function publishedFiles(): Record<string, Buffer> {
  const images = (n: number) => Uint8Array.from({ length: n * 9 }, (_, i) => i % 256);
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 3);
  return {
    'train-images-idx3-ubyte.gz': gzipSync(idxBytes([6, 3, 3], images(6))),
    'train-labels-idx1-ubyte.gz': gzipSync(idxBytes([6], labels(6))),
    't10k-images-idx3-ubyte.gz': gzipSync(idxBytes([2, 3, 3], images(2))),
    't10k-labels-idx1-ubyte.gz': gzipSync(idxBytes([2], labels(2))),
  };
}
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('datasets downloaded into a cache (against a local server)', function () {
  this.timeout(30000);
  const files = publishedFiles();
  let server: Server;
  let requests: string[] = [];
  /** What the server does with a file: serve it, cut the connection half-way, or stream without end. */
  let behaviour: (name: string) => 'serve' | 'cut' | 'endless' = () => 'serve';
  let baseUrl = '';
  const previousCache = process.env.TRAINYARD_CACHE;

  before(async () => {
    server = createServer((req, res) => {
      const name = (req.url ?? '').split('/').pop() ?? '';
      requests.push(name);
      const body = files[name];
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      if (behaviour(name) === 'endless') {
        // Without end for a client that caps its download; 64 MiB at most (then silence), so a client
        // that does not cap cannot fill the disk.
        res.writeHead(200);
        let sent = 0;
        const more = () => !res.destroyed && (sent += 1 << 16) <= 64 << 20 && res.write(Buffer.alloc(1 << 16), () => setImmediate(more));
        more();
        return;
      }
      res.writeHead(200, { 'content-length': body.length });
      if (behaviour(name) === 'cut') {
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        res.destroy();
      } else {
        res.end(body);
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    if (previousCache === undefined) delete process.env.TRAINYARD_CACHE;
    else process.env.TRAINYARD_CACHE = previousCache;
  });
  beforeEach(() => {
    requests = [];
    behaviour = () => 'serve';
    process.env.TRAINYARD_CACHE = makeTempDir();
  });

  const spec = (overrideMd5: Partial<Record<string, string>> = {}): DownloadableSpec => ({
    type: 'tiny',
    summary: 'a tiny test dataset',
    baseUrl: 'http://127.0.0.1:9/never-used/',
    md5: {
      trainImages: overrideMd5.trainImages ?? md5(files['train-images-idx3-ubyte.gz']),
      trainLabels: md5(files['train-labels-idx1-ubyte.gz']),
      testImages: md5(files['t10k-images-idx3-ubyte.gz']),
      testLabels: md5(files['t10k-labels-idx1-ubyte.gz']),
    },
    bytes: {
      trainImages: files['train-images-idx3-ubyte.gz'].length,
      trainLabels: files['train-labels-idx1-ubyte.gz'].length,
      testImages: files['t10k-images-idx3-ubyte.gz'].length,
      testLabels: files['t10k-labels-idx1-ubyte.gz'].length,
    },
    expected: { trainSize: 6, testSize: 2, sampleShape: [1, 3, 3], classes: 3 },
  });
  const params = () => ({ baseUrl, download: true, scale: 1 });
  const cached = () => readdirSync(join(process.env.TRAINYARD_CACHE!, 'tiny'));
  const published = Object.values(files).reduce((sum, b) => sum + b.length, 0);

  it('downloads, verifies and caches; a second use makes no request', async () => {
    const dataset = downloadableDataset(spec());
    const data = await dataset.load(params(), { baseDir: '/' });
    assert.equal(data.train.count, 6);
    assert.deepEqual(Array.from(data.test.y), [0, 1]);
    assert.deepEqual(cached().sort(), Object.keys(files).sort());
    requests = [];
    assert.equal((await dataset.inspect(params(), { baseDir: '/' })).trainSize, 6);
    assert.deepEqual(requests, [], 'cache hit');
  });

  it('inspect downloads nothing: it answers from the published shapes and says what run would download', async () => {
    const dataset = downloadableDataset(spec());
    const facts = await dataset.inspect(params(), { baseDir: '/' });
    assert.deepEqual(requests, [], 'no request');
    assert.throws(() => cached(), /ENOENT/, 'no cache directory either');
    const cache = join(process.env.TRAINYARD_CACHE!, 'tiny');
    assert.deepEqual(facts, {
      sampleShape: [1, 3, 3],
      classes: 3,
      trainSize: 6,
      testSize: 2,
      source: cache,
      notes: [`tiny: not in ${cache}; trainyard run downloads 4 files (${(published / 1e6).toFixed(1)} MB) from ${baseUrl}`],
    });
    await dataset.load(params(), { baseDir: '/' });
    assert.equal(requests.length, 4, 'load downloads');
    const again = await dataset.inspect(params(), { baseDir: '/' });
    assert.equal(again.notes, undefined, 'present: read from the headers, nothing to note');
  });

  it('notes only the files still missing, and names the system directories it looked in', async () => {
    const dataset = downloadableDataset(spec());
    await dataset.load(params(), { baseDir: '/' });
    rmSync(join(process.env.TRAINYARD_CACHE!, 'tiny', 't10k-labels-idx1-ubyte.gz'));
    const facts = await downloadableDataset({ ...spec(), systemDirs: ['/nonexistent/tiny'] }).inspect(params(), { baseDir: '/' });
    const size = (files['t10k-labels-idx1-ubyte.gz'].length / 1e6).toFixed(1);
    assert.match(facts.notes![0], new RegExp(`^tiny: not in /nonexistent/tiny or .*tiny; trainyard run downloads 1 file \\(${size.replace('.', '\\.')} MB\\) from`));
  });

  it('cuts off a server that sends more than the published size, without retrying, and caches nothing of it', async () => {
    behaviour = (name) => (name.startsWith('train-images') ? 'endless' : 'serve');
    await assert.rejects(downloadableDataset(spec()).load(params(), { baseDir: '/' }), (e: Error & { param?: string }) => {
      assert.match(e.message, /train-images-idx3-ubyte\.gz: the server sends more than \d+ bytes, more than the \d+ bytes .* the file has; refused, nothing was cached\. Offline, put the four \.gz files in/);
      assert.equal(e.param, 'baseUrl');
      return true;
    });
    assert.deepEqual(requests, ['train-images-idx3-ubyte.gz']);
    assert.deepEqual(cached(), []);
  });

  it('uses TRAINYARD_DATA_URL when the spec gives no baseUrl', async () => {
    process.env.TRAINYARD_DATA_URL = baseUrl;
    try {
      const facts = await downloadableDataset(spec()).inspect({ download: true, scale: 1 }, { baseDir: '/' });
      assert.match(facts.notes![0], new RegExp(`from ${baseUrl}$`));
      await downloadableDataset(spec()).load({ download: true, scale: 1 }, { baseDir: '/' });
      assert.equal(requests.length, 4);
    } finally {
      delete process.env.TRAINYARD_DATA_URL;
    }
  });

  it('rejects a file whose checksum differs and caches nothing of it', async () => {
    const dataset = downloadableDataset(spec({ trainImages: '0'.repeat(32) }));
    await assert.rejects(dataset.load(params(), { baseDir: '/' }), /train-images-idx3-ubyte\.gz: checksum mismatch \(md5 [0-9a-f]{32}, expected 0{32}\); the file was not cached/);
    assert.deepEqual(cached(), [], 'no file and no partial file');
  });

  it('retries a connection cut mid-file, then fails cleanly with nothing cached', async () => {
    behaviour = (name) => (name.startsWith('train-images') ? 'cut' : 'serve');
    const dataset = downloadableDataset(spec());
    await assert.rejects(dataset.load(params(), { baseDir: '/' }), /train-images-idx3-ubyte\.gz: download failed after 3 attempts .*nothing was cached\. Offline, put the four \.gz files in/);
    assert.equal(requests.filter((r) => r.startsWith('train-images')).length, 3);
    assert.deepEqual(cached(), []);
  });

  it('recovers when a retry succeeds', async () => {
    let cuts = 1;
    behaviour = (name) => (name.startsWith('train-labels') && cuts-- > 0 ? 'cut' : 'serve');
    const data = await downloadableDataset(spec()).load(params(), { baseDir: '/' });
    assert.equal(data.train.count, 6);
  });

  it('says where to put the files when download is off, at inspect and at load', async () => {
    for (const step of [downloadableDataset(spec()).inspect, downloadableDataset(spec()).load]) {
      await assert.rejects(step({ download: false, scale: 1 }, { baseDir: '/' }), /is not in the cache \(.*tiny\) and download is false: put train-images-idx3-ubyte\.gz/);
    }
    assert.deepEqual(requests, []);
  });

  it('checks a local directory by structure, not checksum', async () => {
    const wrong = { ...spec(), expected: { trainSize: 60000, testSize: 10000, sampleShape: [1, 28, 28], classes: 10 } };
    const dataset = downloadableDataset(wrong);
    await dataset.load(params(), { baseDir: '/' }).catch(() => undefined); // fills the cache
    await assert.rejects(dataset.inspect({ dir: join(process.env.TRAINYARD_CACHE!, 'tiny'), download: false, scale: 1 }, { baseDir: '/' }), /does not hold tiny: it has 6\/2 samples of \[1, 3, 3\], tiny has 60000\/10000 samples of \[1, 28, 28\]/);
  });
});
