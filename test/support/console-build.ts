import { buildConsole } from '../browser/support/console-server.js';

/**
 * Vitest's global set-up: builds console/dist once, before any test file runs. Test files run two
 * at a time, and a browser file that rebuilt it for itself emptied the folder under another file's
 * pages (Vite clears its outDir first).
 */
export default async function setup(): Promise<void> {
  if (process.env.TEST_NO_SERVICES === '1') return; // no browser tests run
  await buildConsole();
}
