// One trial's CNN steps in a worker thread of its own, for the three-trial throughput of
// `npm run bench:step` (bench/cnn-step.ts): posts its median milliseconds per step.
import { parentPort, workerData } from 'node:worker_threads';
import { createRegistries } from '../src/registry/index.js';
import { trainyardStep } from './cnn-step.js';

const registries = createRegistries();
const { tf } = await registries.backends.get('auto').load({ backends: registries.backends });
const { ms } = await trainyardStep(tf, (workerData as { repeats: number }).repeats);
parentPort!.postMessage(ms);
