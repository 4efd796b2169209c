import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a TypeScript module. The hub runs under tsx, whose loader hooks
 * do not reach worker threads on Node 20 (`Unknown file extension ".ts"`, even with
 * `--import tsx` in the worker's execArgv), so a two-line bootstrap registers tsx inside the
 * worker and then imports the module. A `.js` module is started directly.
 */
export function startModuleWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
