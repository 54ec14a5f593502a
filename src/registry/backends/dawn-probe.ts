// Run as a script by auto's webgpu check (dawn.ts, probeDawnApart): opens Dawn, prints its
// adapter's facts (or why it cannot start) as one JSON line, and exits. Dawn and the Vulkan driver
// it loads (lavapipe links all of LLVM) then cost the training process nothing: about 100 MB of
// resident memory measured on a machine whose only adapter is a software one.
import { openDawn } from './dawn.js';

try {
  const dawn = await openDawn();
  process.stdout.write(`${JSON.stringify({ facts: dawn.facts })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
}
process.exit(0);
