import { defineBackend, type MemoryProfile, type TF } from '../kinds.js';
import { nativeMemory } from './memory.js';
import { activate, reason } from './load.js';

const noParams = { type: 'object', properties: {}, additionalProperties: false } as const;

/** The native TensorFlow builds: CPU (@tensorflow/tfjs-node) and CUDA (@tensorflow/tfjs-node-gpu). */
function nativeBackend(type: string, pkg: string, summary: string, needs: string, facts: { priority: number; device: 'cpu' | 'gpu'; memory: MemoryProfile }) {
  return defineBackend<Record<string, never>>({
    type,
    summary,
    params: noParams,
    ...facts,
    // Native TensorFlow uses every core (or the GPU) itself: one trial at a time.
    parallelTrials: () => 1,
    async load() {
      let tf: TF;
      try {
        tf = (await import(pkg)) as unknown as TF;
      } catch (error) {
        throw new Error(`${reason(error)}. ${needs}`);
      }
      try {
        tf.enableProdMode();
        await activate(tf, 'tensorflow');
      } catch (error) {
        throw new Error(`${reason(error)}. ${needs}`);
      }
      return { tf, name: type, tried: [] };
    },
  });
}

const installNote =
  "Its install step downloads libtensorflow, so it needs network access at install time; npm 11 also holds install scripts back until approved (npm install-scripts approve PACKAGE).";

export const tensorflowGpu = nativeBackend(
  'tensorflow-gpu',
  '@tensorflow/tfjs-node-gpu',
  'Native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu, Linux x86-64)',
  `It needs @tensorflow/tfjs-node-gpu 4.x installed, an NVIDIA driver, CUDA 11.2 and cuDNN 8.1 (the versions libtensorflow 2.9 is built for). ${installNote.replace('PACKAGE', '@tensorflow/tfjs-node-gpu')}`,
  { priority: 50, device: 'gpu', memory: nativeMemory(1400, 600) },
);

export const tensorflow = nativeBackend(
  'tensorflow',
  '@tensorflow/tfjs-node',
  'Native TensorFlow on the CPU (@tensorflow/tfjs-node)',
  `It needs @tensorflow/tfjs-node 4.x installed. ${installNote.replace('PACKAGE', '@tensorflow/tfjs-node')}`,
  { priority: 40, device: 'cpu', memory: nativeMemory(400, 150) },
);
