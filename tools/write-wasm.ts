// npm run wasm: reassembles src/kernels/wasm/simd-wasm.ts from simd.wat.
import { writeSimdWasm } from './simd-wasm.js';

console.log(`wrote ${await writeSimdWasm()}`);
