// The loops of simd.wat that are not optimizer updates (those are tested in registry/optimizers/fused):
// ReLU in place and the gradient through a ReLU, on every length from one vector up, tails included.
import assert from 'node:assert/strict';
import { simdLoops, wasmHeap } from '../../../src/kernels/wasm/simd.js';

describe('kernels/wasm/simd', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const loops = simdLoops(memory);
  const floats = (offset: number, n: number) => new Float32Array(memory.buffer, offset, n);

  it('is one instance per heap', () => {
    assert.equal(simdLoops(memory), loops);
    assert.notEqual(simdLoops(new WebAssembly.Memory({ initial: 1 })), loops);
  });

  it('finds the heap of a wasm backend and nothing on others', () => {
    assert.equal(wasmHeap({ wasm: { asm: { memory } } }), memory);
    assert.equal(wasmHeap({}), null);
    assert.equal(wasmHeap({ wasm: { asm: { memory: {} } } }), null);
  });

  for (const n of [4, 5, 7, 8, 9, 33]) {
    it(`relu of ${n} values in place, and nothing past them`, () => {
      const x = floats(64, n + 4);
      const input = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 - i : i % 3 === 1 ? i + 0.5 : 0));
      x.set([...input, -7, -7, -7, -7]);
      loops.relu(64, n);
      assert.deepEqual(Array.from(x.subarray(0, n)), input.map((v) => Math.max(v, 0)));
      assert.deepEqual(Array.from(x.subarray(n)), [-7, -7, -7, -7], 'the values after the tensor are untouched');
    });

    it(`reluGrad of ${n} values: dy where y > 0, else 0`, () => {
      const dy = floats(1024, n);
      const y = floats(2048, n);
      const out = floats(4096, n + 4);
      dy.set(Array.from({ length: n }, (_, i) => i - 2.5));
      y.set(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : -i)));
      out.fill(9);
      loops.reluGrad(1024, 2048, 4096, n);
      assert.deepEqual(Array.from(out.subarray(0, n)), Array.from(dy).map((d, i) => (y[i]! > 0 ? d : 0)));
      assert.deepEqual(Array.from(out.subarray(n)), [9, 9, 9, 9]);
    });
  }
});
