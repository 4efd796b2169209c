import { existsSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, type PreviewServer, preview } from 'vite';

const configFile = fileURLToPath(new URL('../../../console/vite.config.ts', import.meta.url));

const lock = fileURLToPath(new URL('../../../console/.build-lock', import.meta.url));
/** The vitest run: its test files run in forks of one process. */
const builtMark = fileURLToPath(new URL(`../../../console/dist/.built-by-${process.ppid}`, import.meta.url));

/**
 * Builds console/app into console/dist, as `npm run console:build` does — once a test run: browser
 * test files run in parallel, and a build empties dist, so a hub started during another file's
 * build would serve a half-written app (its static routes are the files found at its start).
 */
export async function buildConsole(): Promise<void> {
  for (const deadline = Date.now() + 180_000; ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
      // Left by a run that was killed mid-build: no build takes 5 minutes.
      if (Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (existsSync(builtMark)) return;
    await build({ configFile, logLevel: 'warn' });
    writeFileSync(builtMark, '');
  } finally {
    rmdirSync(lock);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Where the browser opens the app. A hub that serves console/dist itself is used as it is;
 * otherwise (before the hub is wired) Vite's preview serves the build and proxies
 * /api and /socket.io to the hub.
 */
export async function consoleUrl(hubPort: number): Promise<{ url: string; close: () => Promise<void> }> {
  const hub = `http://127.0.0.1:${hubPort}`;
  const page = await fetch(`${hub}/`).then((r) => r.text());
  if (page.includes('<div id="app">')) return { url: hub, close: async () => undefined };
  process.env.HUB_URL = hub;
  const port = await freePort();
  const server: PreviewServer = await preview({
    configFile,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port, strictPort: true },
  });
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
