import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module `sibling` next to `from` (an
 * `import.meta.url`), with the caller's own extension: `.js` in the built
 * package. From TypeScript sources (tests, `tsx`) the worker first registers
 * tsx's loader, which Node's own `--import` in a worker's execArgv does not
 * apply.
 */
export function startModuleWorker(from: string, sibling: string, options: WorkerOptions = {}): Worker {
  const ext = from.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./${sibling}${ext}`, from);
  if (ext === '.js') return new Worker(url, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
