// Run as a script by auto's webgpu check (dawn.ts, probeDawnApart): opens Dawn, prints its
// adapter's facts (or why it cannot start) as one JSON line, and exits. Dawn and the Vulkan driver
// it loads (lavapipe links all of LLVM) then cost the training process nothing: about 100 MB of
// resident memory measured on a machine whose only adapter is a software one.
import { openDawn } from './dawn.js';

let answer: string;
try {
  answer = JSON.stringify({ facts: (await openDawn()).facts });
} catch (error) {
  answer = JSON.stringify({ error: (error as Error).message });
}
// Exit once the line is written (a pipe may be asynchronous): Dawn's own threads would keep the process alive.
process.stdout.write(`${answer}\n`, () => process.exit(0));
