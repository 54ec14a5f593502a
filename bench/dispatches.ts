// Compute dispatches per training step of the lecture's MLP on webgpu (any adapter: on lavapipe
// the count is the figure that carries over to a GPU, the time is not). `npm run bench:dispatches`.
import { createRegistries } from '../src/registry/index.js';
import { buildModel } from '../src/runner/model.js';
import { seedStreams } from '../src/runner/trial.js';
import { countDispatches } from '../src/registry/backends/dawn.js';
import { LECTURE_LAYERS, LECTURE_OPTIMIZERS } from './lecture-model.js';

export async function dispatchesPerStep(): Promise<Record<string, { step: number; forward: number }>> {
  const registries = createRegistries();
  const { tf } = await registries.backends.get('webgpu').load({ backends: registries.backends });
  const count = await countDispatches();
  const x = tf.randomUniform([100, 28, 28]);
  const labels = tf.tensor1d(Array.from({ length: 100 }, (_, i) => i % 10), 'int32');
  const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf });
  const out: Record<string, { step: number; forward: number }> = {};
  for (const [type, params] of Object.entries(LECTURE_OPTIMIZERS)) {
    const model = buildModel(tf, LECTURE_LAYERS, registries, [28, 28], seedStreams(0).init);
    const optimizer = registries.optimizers.get(type).create(params, { tf });
    const step = async () => {
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(model.apply(x, true), labels), model.variables);
        optimizer.step(model.variables, model.variables.map((v) => grads[v.name]!), 1e-4);
        return value;
      });
      await value.data();
      value.dispose();
    };
    // The first steps make the optimizer's buffers and compile the pipelines; count a later one.
    for (let i = 0; i < 3; i++) await step();
    let before = count();
    await step();
    const stepCount = count() - before;
    before = count();
    const y = model.apply(x, false);
    await y.data();
    y.dispose();
    out[type] = { step: stepCount, forward: count() - before };
    optimizer.dispose();
    model.dispose();
  }
  tf.dispose([x, labels]);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = await dispatchesPerStep();
  for (const [type, c] of Object.entries(counts)) console.log(`${type}: ${c.step} dispatches per training step, ${c.forward} per forward pass (batch 100)`);
}
