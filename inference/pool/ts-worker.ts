import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module. A `.js` module (the built hub) is started as it is. A `.ts`
 * module (the hub under tsx: the tests, the demo) is first bundled into one JavaScript file, its
 * packages left as imports: tsx's loader hooks do not reach worker threads on Node 20, and
 * registering tsx inside each worker took ~250 ms of its ~500 ms start (2026-12-06), paid by every
 * hub a test starts. esbuild (tsx's own) bundles the fall worker in 11–19 ms.
 */
export function startModuleWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  return new Worker(bundled(module), options);
}

/** The module and what it imports of ours as one file, named by its content (written once). */
function bundled(module: URL): URL {
  // Only the hub under tsx gets here, where the dev dependencies are installed; the built hub never does.
  const require = createRequire(import.meta.url);
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  // In the node_modules that holds esbuild, so that the bundle's package imports resolve as its sources' do.
  const bundles = pathToFileURL(
    join(dirname(dirname(require.resolve('esbuild/package.json'))), '.cache', 'yiyang-workers', '/'),
  );
  const [output] = buildSync({
    entryPoints: [fileURLToPath(module)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
  }).outputFiles;
  const hash = createHash('sha256').update(output!.contents).digest('hex').slice(0, 16);
  const file = new URL(`${basename(module.pathname, '.ts')}-${hash}.mjs`, bundles);
  if (!existsSync(file)) {
    mkdirSync(bundles, { recursive: true });
    // Whole or not at all: another process may be starting the same worker.
    const partial = new URL(`${file.pathname}.${process.pid}.partial`, 'file:');
    writeFileSync(partial, output!.contents);
    renameSync(partial, file);
  }
  return file;
}
