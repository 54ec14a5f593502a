// The files of the GPU bundle that are not code from src/ (tools/bundle-gpu.ts writes them).

/** The lecture (experiments/lecture-25-optimizers.yaml) on the bundled digits as IDX files. */
export const LECTURE_YAML = `name: lecture-25-optimizers
description: SGD vs SGD with momentum vs Adam on a 784-400-256-10 MLP (lecture 25), the GPU bundle's check
dataset: {type: idx, dir: data}
model:
  layers: [flatten, {type: dense, units: 400}, relu, {type: dense, units: 256}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 1.0e-4}
  - {name: SGD with momentum, type: sgd, lr: 1.0e-4, momentum: 0.9}
  - {name: Adam, type: adam, lr: 1.0e-4}
training: {epochs: 10, batchSize: 100, shuffle: true}
seeds: [0]
backend: auto
`;

/** Prints each run's milliseconds per step (an epoch's seconds, its evaluation included, over its steps). */
export const MS_PER_STEP = `import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = join(process.argv[2], 'lecture-25-optimizers');
for (const run of readdirSync(dir).filter((n) => n !== 'latest').sort()) {
  let m;
  try { m = JSON.parse(readFileSync(join(dir, run, 'metrics.json'), 'utf8')); } catch { continue; }
  const a = m.environment.adapter;
  console.log(\`\${m.environment.backend}\${a ? \` on \${a.vendor} \${a.architecture} \${a.device} (\${a.driver}, \${a.fallback ? 'fallback' : 'hardware'})\` : ''}: \${m.status}\`);
  for (const t of m.trials) {
    const e = t.epochs;
    if (e.length === 0) { console.log(\`  \${t.name}: \${t.status} \${t.error ?? ''}\`); continue; }
    const steps = e.at(-1).steps;
    const perStep = (e.reduce((s, x) => s + x.seconds, 0) * 1000) / steps;
    // The first epoch compiles the GPU's pipelines; the later ones are the steady state.
    const later = e.length > 1 ? (e.slice(1).reduce((s, x) => s + x.seconds, 0) * 1000) / (steps - e[0].steps) : perStep;
    console.log(\`  \${t.name}: \${perStep.toFixed(2)} ms/step over \${e.length} epochs (\${later.toFixed(2)} after the first), test accuracy \${e.at(-1).testAccuracy.toFixed(4)}\`);
  }
}
`;

/**
 * The check: which backends start, then the lecture on webgpu and on a CPU backend, then the
 * figures. EPOCHS (default 2) and OUT (default a temp dir) are read from the environment.
 */
export const RUN_SH = `#!/usr/bin/env bash
# trainyard's GPU check, self-contained: needs only Node >= 20 and a Vulkan driver.
#   ./run.sh             # EPOCHS=2 by default; OUT=DIR keeps the run directories
# Vulkan: the loader libvulkan.so.1 ships in lib/ and is used when the system has none. The NVIDIA
# driver's Vulkan driver is named by an ICD file (nvidia_icd.json, usually in /usr/share/vulkan/icd.d
# or /etc/vulkan/icd.d); where the loader finds none, point VK_DRIVER_FILES at it (a container also
# needs the driver's graphics libraries: NVIDIA_DRIVER_CAPABILITIES must include graphics).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
epochs="\${EPOCHS:-2}"
out="\${OUT:-$(mktemp -d)}"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\\.so\\.1'; then
  export LD_LIBRARY_PATH="$here/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "using the bundled Vulkan loader ($here/lib/libvulkan.so.1)"
fi
if [ -z "\${VK_DRIVER_FILES:-}\${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json /etc/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; echo "Vulkan driver: $icd"; break; fi
  done
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
node --version
cd "$here"
node app.js list backends | sed -n '/^on this machine:/,$p'
cpu=wasm
if node app.js list backends | grep -q '^wasm-blas: can start'; then cpu=wasm-blas; fi
for backend in webgpu "$cpu"; do
  echo "--- the lecture on $backend, $epochs epochs"
  node app.js run lecture.yaml --backend "$backend" --epochs "$epochs" --out "$out" --no-report
done
echo "--- milliseconds per step (batch 100; each epoch's seconds, its evaluation included, over its steps)"
node ms-per-step.mjs "$out"
echo "run directories: $out"
`;
