import { afterAll } from 'vitest';
import { leftovers, restoreWorker, type WorkerState, workerState } from './leftovers.js';

// Run before every test file (vitest.config.ts setupFiles), so before the file's own top level:
// a file that leaves its worker changed fails itself, and the next file starts clean.
const before: WorkerState = workerState();

afterAll(() => {
  const left = leftovers(before);
  restoreWorker(before);
  if (left.length > 0) {
    throw new Error(
      `this test file left changed for the next file of its worker (restore it in afterEach/afterAll): ${left.join(', ')}`,
    );
  }
});
