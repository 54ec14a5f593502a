// npm run wasm: reassembles the fused optimizer updates from their WAT source.
import { writeFusedWasm } from './fused-wasm.js';

console.log(`wrote ${await writeFusedWasm()}`);
