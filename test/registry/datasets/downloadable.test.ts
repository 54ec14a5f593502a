import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
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
  /** What the server does with a file: serve it, or cut the connection half-way. */
  let behaviour: (name: string) => 'serve' | 'cut' = () => 'serve';
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
    expected: { trainSize: 6, testSize: 2, sampleShape: [3, 3], classes: 3 },
  });
  const params = () => ({ baseUrl, download: true, scale: 1 });
  const cached = () => readdirSync(join(process.env.TRAINYARD_CACHE!, 'tiny'));

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

  it('uses TRAINYARD_DATA_URL when the spec gives no baseUrl', async () => {
    process.env.TRAINYARD_DATA_URL = baseUrl;
    try {
      await downloadableDataset(spec()).inspect({ download: true, scale: 1 }, { baseDir: '/' });
      assert.equal(requests.length, 4);
    } finally {
      delete process.env.TRAINYARD_DATA_URL;
    }
  });

  it('rejects a file whose checksum differs and caches nothing of it', async () => {
    const dataset = downloadableDataset(spec({ trainImages: '0'.repeat(32) }));
    await assert.rejects(dataset.inspect(params(), { baseDir: '/' }), /train-images-idx3-ubyte\.gz: checksum mismatch \(md5 [0-9a-f]{32}, expected 0{32}\); the file was not cached/);
    assert.deepEqual(cached(), [], 'no file and no partial file');
  });

  it('retries a connection cut mid-file, then fails cleanly with nothing cached', async () => {
    behaviour = (name) => (name.startsWith('train-images') ? 'cut' : 'serve');
    const dataset = downloadableDataset(spec());
    await assert.rejects(dataset.inspect(params(), { baseDir: '/' }), /train-images-idx3-ubyte\.gz: download failed after 3 attempts .*nothing was cached\. Offline, put the four \.gz files in/);
    assert.equal(requests.filter((r) => r.startsWith('train-images')).length, 3);
    assert.deepEqual(cached(), []);
  });

  it('recovers when a retry succeeds', async () => {
    let cuts = 1;
    behaviour = (name) => (name.startsWith('train-labels') && cuts-- > 0 ? 'cut' : 'serve');
    const data = await downloadableDataset(spec()).load(params(), { baseDir: '/' });
    assert.equal(data.train.count, 6);
  });

  it('says where to put the files when download is off', async () => {
    await assert.rejects(downloadableDataset(spec()).inspect({ download: false, scale: 1 }, { baseDir: '/' }), /is not in the cache \(.*tiny\) and download is false: put train-images-idx3-ubyte\.gz/);
  });

  it('checks a local directory by structure, not checksum', async () => {
    const wrong = { ...spec(), expected: { trainSize: 60000, testSize: 10000, sampleShape: [28, 28], classes: 10 } };
    const dataset = downloadableDataset(wrong);
    await dataset.load(params(), { baseDir: '/' }).catch(() => undefined); // fills the cache
    await assert.rejects(dataset.inspect({ dir: join(process.env.TRAINYARD_CACHE!, 'tiny'), download: false, scale: 1 }, { baseDir: '/' }), /does not hold tiny: it has 6\/2 samples of \[3, 3\], tiny has 60000\/10000 samples of \[28, 28\]/);
  });
});
