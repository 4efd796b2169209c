import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, type PreviewServer, preview } from 'vite';

const configFile = fileURLToPath(new URL('../../../console/vite.config.ts', import.meta.url));

/** Builds console/app into console/dist, as `npm run console:build` does (once a run: test/support/console-build.ts). */
export async function buildConsole(): Promise<void> {
  await build({ configFile, logLevel: 'warn' });
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
  const port = await freePort();
  // console/vite.config.ts reads HUB_URL while preview() loads it; the worker's env is left as it was.
  const was = process.env.HUB_URL;
  process.env.HUB_URL = hub;
  let server: PreviewServer;
  try {
    server = await preview({
      configFile,
      logLevel: 'warn',
      preview: { host: '127.0.0.1', port, strictPort: true },
    });
  } finally {
    if (was === undefined) delete process.env.HUB_URL;
    else process.env.HUB_URL = was;
  }
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
