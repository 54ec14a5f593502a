import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { assemble, generatedSource, GENERATED, WAT } from '../../tools/simd-wasm.js';

describe('commands/simd-wasm', () => {
  it('the committed src/kernels/wasm/simd-wasm.ts is simd.wat assembled (else: npm run wasm)', async () => {
    const binary = await assemble(await readFile(WAT, 'utf8'));
    assert.equal(await readFile(GENERATED, 'utf8'), generatedSource(binary));
  });

  it('an invalid WAT source is an assembler error, not a binary', async () => {
    await assert.rejects(assemble('(module (func (export "f") (result i32) (f32.const 1)))'), /type mismatch|error/i);
  });
});
