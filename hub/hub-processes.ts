import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { HubConfig } from './config.js';

/** What a worker tells the primary once its hub answers: the next workers may start. */
const startedMessage = 'yiyang:hub-started';
/** A slot's worker is forked again at most this often; a worker dying quickly doubles it, up to the cap. */
const firstRestartDelayMs = 1000;
const longestRestartDelayMs = 30_000;
/** A worker that lived this long was not crash-looping: its slot's delay starts over. */
const healthyLifeMs = 10_000;

/** How many hub processes `HUB_PROCESSES` asks for on this machine (`auto`: one per core). */
export function hubProcessCount(config: Pick<HubConfig, 'hubProcesses'>): number {
  return config.hubProcesses === 'auto' ? availableParallelism() : config.hubProcesses;
}

/**
 * What each worker's environment adds: unless INFERENCE_WORKERS is set, each process takes an even
 * share of the spare cores for its inference threads (at least one), not all but one of them each.
 */
export function workerEnvironment(
  config: Pick<HubConfig, 'inferenceWorkers'>,
  processes: number,
  cores = availableParallelism(),
): Record<string, string> {
  if (config.inferenceWorkers !== 0) return {};
  return { INFERENCE_WORKERS: String(Math.max(1, Math.floor((cores - 1) / processes))) };
}

/** Tells the primary, from a worker, that this worker's hub has started (nothing outside cluster mode). */
export function reportHubStarted(): void {
  if (cluster.isWorker) process.send?.(startedMessage);
}

/**
 * When a slot's next worker may start after one died: no sooner than a second after the last start,
 * twice as long after each quick death (up to 30 s), at once after a worker that lived a while.
 */
export class RestartPace {
  private delayMs = firstRestartDelayMs;
  private startedAt = 0;

  started(now: number): void {
    this.startedAt = now;
  }

  /** How long to wait (ms) before starting the next worker, for one that died at `now`. */
  died(now: number): number {
    const lived = now - this.startedAt;
    if (lived >= healthyLifeMs) this.delayMs = firstRestartDelayMs;
    const waitMs = Math.max(0, this.startedAt + this.delayMs - now);
    // A worker that cannot start must not spin a core: the next quick death waits longer.
    if (lived < healthyLifeMs) this.delayMs = Math.min(this.delayMs * 2, longestRestartDelayMs);
    return waitMs;
  }
}

interface Slot {
  worker: Worker | undefined;
  pace: RestartPace;
  restart: NodeJS.Timeout | undefined;
}

/**
 * The primary of `HUB_PROCESSES` > 1: it runs no hub itself but keeps `count` workers running `entry`
 * (hub/main), which share the HTTP and MQTT listening sockets through node:cluster. The first worker
 * starts alone, so that one process migrates the store and seeds the admin; the others start once it
 * answers. A worker that dies is forked again, no more than once a second per slot (longer while it
 * keeps dying), so a crash loop does not spin. Sharing works because the hub's listeners never ask
 * for `exclusive`: a worker's listen is then the primary's one socket, handed to each in turn.
 */
export class HubProcesses {
  private readonly slots: Slot[] = [];
  private readonly slotOf = new Map<Worker, Slot>();
  private stopping = false;
  private othersForked = false;

  constructor(
    private readonly deps: {
      count: number;
      /** The module each worker runs: hub/main (.ts under tsx, .js when built). */
      entry: string;
      /** Added to each worker's environment (`workerEnvironment`). */
      env: Record<string, string>;
      logger: Logger;
    },
  ) {}

  start(): void {
    cluster.setupPrimary({ exec: this.deps.entry });
    for (let i = 0; i < this.deps.count; i++)
      this.slots.push({ worker: undefined, pace: new RestartPace(), restart: undefined });
    this.fork(this.slots[0]!);
  }

  /**
   * SIGTERM to every worker (each stops its hub), then resolves with 0 once all have exited cleanly;
   * 1 when one did not, or when some are still running after `timeoutMs` (those are killed).
   */
  async stop(signal: string, timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.restart);
    const running = this.slots
      .map((s) => s.worker)
      .filter((w): w is Worker => w !== undefined && !w.isDead());
    this.deps.logger.info(
      { signal, workers: running.map((w) => w.process.pid) },
      'stopping every hub process',
    );
    const exits = running.map(
      (worker) =>
        new Promise<number>((resolve) =>
          worker.once('exit', (code, exitSignal) => resolve(code === 0 && !exitSignal ? 0 : 1)),
        ),
    );
    for (const worker of running) worker.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([Promise.all(exits), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      const left = running.filter((w) => !w.isDead());
      this.deps.logger.error(
        { timeoutMs, workers: left.map((w) => w.process.pid) },
        'hub processes took too long to stop; killing them (stored events replay at the next start)',
      );
      for (const worker of left) worker.process.kill('SIGKILL');
      return 1;
    }
    const failed = result.filter((code) => code !== 0).length;
    if (failed) this.deps.logger.error({ failed }, 'hub processes stopped; some not cleanly');
    else this.deps.logger.info('every hub process stopped');
    return failed ? 1 : 0;
  }

  private fork(slot: Slot): void {
    slot.restart = undefined;
    slot.pace.started(Date.now());
    const worker = cluster.fork(this.deps.env);
    slot.worker = worker;
    this.slotOf.set(worker, slot);
    worker.on('message', (message) => {
      if (message !== startedMessage) return;
      this.deps.logger.info({ worker: worker.process.pid }, 'hub process started');
      if (!this.othersForked && !this.stopping) {
        this.othersForked = true;
        for (const other of this.slots) if (!other.worker) this.fork(other);
      }
    });
    worker.once('exit', (code, signal) => this.exited(worker, code, signal));
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.slotOf.get(worker);
    this.slotOf.delete(worker);
    if (!slot || this.stopping) return;
    const delayMs = slot.pace.died(Date.now());
    this.deps.logger.error(
      { worker: worker.process.pid, code, signal, restartInMs: delayMs },
      'hub process died; starting another',
    );
    slot.restart = setTimeout(() => this.fork(slot), delayMs);
  }
}
