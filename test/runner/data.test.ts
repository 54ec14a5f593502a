import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentData } from '../../src/runner/data.js';
import { createRegistries } from '../../src/registry/index.js';
import { defineTransform, type Split } from '../../src/registry/kinds.js';
import type { Experiment } from '../../src/config/types.js';
import { rowValues } from '../../src/util/split-values.js';
import { writeIdxDataset } from '../idx-files.js';

const PIXEL = (i: number) => (i * 7) % 256; // what writeIdxDataset writes

/** The dataset part of an experiment, as normalize leaves it. */
const experiment = (dir: string, extra: Partial<Experiment['dataset']> = {}): Experiment =>
  ({ dataset: { type: 'idx', dir, classes: 10, scale: 1 / 255, transforms: [], ...extra } }) as unknown as Experiment;

describe('runner/data', () => {
  const dir = writeIdxDataset(mkdtempSync(join(tmpdir(), 'trainyard-data-')), { train: 40, test: 20 });

  it('keeps IDX pixels as shared bytes coded with the scale (a quarter of float32)', async () => {
    const data = await loadExperimentData(experiment(dir), createRegistries(), '.');
    assert.ok(data.train.x instanceof Uint8Array && data.train.x.buffer instanceof SharedArrayBuffer);
    assert.equal(data.train.x.byteLength, 40 * 16);
    assert.equal(data.train.codes![7], Math.fround(7 / 255), 'coded as byte / 255');
    assert.deepEqual(Array.from(rowValues(data.train, 1, 1)), Array.from({ length: 16 }, (_, i) => Math.fround(PIXEL(16 + i) / 255)));
  });

  it('holds out validation rows as bytes under the same code', async () => {
    const data = await loadExperimentData(experiment(dir, { validation: { fraction: 0.25, seed: 0 } } as never), createRegistries(), '.');
    const { train, validation } = data as { train: Split; validation: Split };
    assert.equal(train.count + validation.count, 40);
    assert.ok(validation.x instanceof Uint8Array && train.x instanceof Uint8Array);
    assert.equal(validation.codes, train.codes, 'the same codes');
    const all = new Set(Array.from({ length: 40 }, (_, r) => Array.from({ length: 16 }, (_, i) => PIXEL(r * 16 + i)).join()));
    for (let r = 0; r < validation.count; r++) assert.ok(all.has(Array.from(validation.x.subarray(r * 16, (r + 1) * 16)).join()), `validation row ${r} is a training row`);
  });

  it('folds normalize into the code, and decodes the inputs for a transform that reads floats', async () => {
    const registries = createRegistries();
    let seen: Split | undefined;
    registries.transforms.register(
      defineTransform<Record<string, never>>({
        type: 'probe',
        summary: 'records the split it is given',
        params: { type: 'object', properties: {}, additionalProperties: false },
        apply: (_p, split) => (seen = split),
      }),
    );
    const transforms = [{ type: 'normalize', mean: 0.5, std: 0.25 }, { type: 'probe' }];
    await loadExperimentData(experiment(dir, { transforms } as never), registries, '.');
    assert.ok(seen!.x instanceof Float32Array, 'a plugin without takesCodedInputs gets float32');
    assert.equal(seen!.codes, undefined);
    const expected = (i: number) => (PIXEL(i) / 255 - 0.5) / 0.25;
    Array.from(seen!.x.subarray(0, 16)).forEach((v, i) => assert.ok(Math.abs(v - expected(i)) < 1e-6, `${v} vs ${expected(i)}`));
  });
});
