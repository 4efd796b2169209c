import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { HotWindows } from '../../ingest/hot-windows.js';
import type { Reading } from '../../ingest/readings.js';
import type { Channel } from '../../kernel/channel.js';
import { workerOf } from './device-hash.js';
import { EventLoopDelay, type LoopDelayFigures } from './loop-delay.js';
import type { DoneMessage, FallModelAlarm, FallWorkerData, FromWorker, SamplesMessage } from './protocol.js';
import { rebuildBatch } from './rebuild.js';
import { SampleBatch } from './sample-batch.js';
import { startModuleWorker } from './ts-worker.js';

export interface InferencePoolOptions {
  /** The fall model; its sidecar `.json` sits next to it. */
  modelPath: string;
  /** Worker threads (default: cores − 1, at least 1). */
  workers: number;
  /** Gathered samples are posted to their worker this often (ms)… */
  flushMs: number;
  /** …or as soon as a worker's batch holds this many samples. */
  flushSamples: number;
  /** Batches a worker may have unanswered; past it, samples wait (and batch up) on the main thread. */
  maxInFlight: number;
  /** A worker that falls this far behind (samples waiting) loses them: memory stays bounded. */
  maxWaitingSamples: number;
  /** How much of a device's hot window rebuilds its stream after a crash (ms; a window is 8.5 s). */
  rebuildSpanMs: number;
  /** `stop()` waits this long for batches already posted to be answered. */
  drainMs: number;
}

export function defaultPoolOptions(): InferencePoolOptions {
  return {
    modelPath: fileURLToPath(new URL('../models/fall.onnx', import.meta.url)),
    workers: Math.max(1, availableParallelism() - 1),
    flushMs: 100,
    flushSamples: 16_384,
    maxInFlight: 4,
    maxWaitingSamples: 1 << 20,
    rebuildSpanMs: 12_000,
    drainMs: 2000,
  };
}

export interface InferencePoolDeps {
  readings: Channel<Reading>;
  /** Ingest's recent acceleration per device: a replaced worker's streams are rebuilt from it. */
  hotWindows: Pick<HotWindows, 'get'>;
  alarms: Channel<FallModelAlarm>;
  logger: Logger;
  options?: Partial<InferencePoolOptions>;
}

export interface PoolStats {
  workers: number;
  restarts: number;
  batches: number;
  samples: number;
  windows: number;
  runs: number;
  inferenceMs: number;
  alarms: number;
  inFlight: number;
  droppedSamples: number;
}

interface AccelPayload {
  hz: number;
  x: number[];
  y: number[];
  z: number[];
}

interface DeviceEntry {
  worker: number;
  elderId: string | null;
  /** Impact time and peak of its last alarm (null: none), to seed the refractory period on a rebuild. */
  lastAlarm: { peakMs: number; peakG: number } | null;
}

/** One worker thread and what belongs to it; the thread is replaced when it dies. */
interface WorkerSlot {
  index: number;
  worker: Worker | undefined;
  ready: boolean;
  inFlight: number;
  batch: SampleBatch;
  devices: string[];
  /** A replacement: rebuild its devices' streams from the hot windows once it is ready. */
  rebuild: boolean;
  spawnedAt: number;
  quickCrashes: number;
  respawn: NodeJS.Timeout | undefined;
}

/**
 * The fall detectors in worker threads. The main thread only copies each watch reading's
 * acceleration into its worker's batch (devices are assigned by a hash of their id) and
 * posts the batches every `flushMs` as transferred typed arrays; it never runs the model
 * and never awaits a worker. Alarms come back as messages and go out on `alarms`.
 *
 * A worker that dies is replaced and its devices' streams are rebuilt from ingest's hot
 * windows, so a fall whose 4 s look-ahead was under way is still decided; the refractory
 * period is seeded from the alarms already reported so a fall is not reported twice.
 */
export class InferencePool {
  private readonly options: InferencePoolOptions;
  private readonly slots: WorkerSlot[] = [];
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly loopDelay = new EventLoopDelay();
  private readonly waiters = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private seq = 0;
  private lastDropWarning = 0;
  private readonly counters = {
    restarts: 0,
    batches: 0,
    samples: 0,
    windows: 0,
    runs: 0,
    inferenceMs: 0,
    alarms: 0,
    droppedSamples: 0,
  };

  constructor(private readonly deps: InferencePoolDeps) {
    this.options = { ...defaultPoolOptions(), ...deps.options };
  }

  /** Starts the workers (each loads the model) and then takes readings. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    for (let i = 0; i < this.options.workers; i++) {
      this.slots.push({
        index: i,
        worker: undefined,
        ready: false,
        inFlight: 0,
        batch: new SampleBatch(),
        devices: [],
        rebuild: false,
        spawnedAt: 0,
        quickCrashes: 0,
        respawn: undefined,
      });
    }
    try {
      await Promise.all(this.slots.map((s) => this.spawn(s)));
    } catch (error) {
      await this.terminateAll();
      throw error;
    }
    this.running = true;
    this.loopDelay.start();
    this.unsubscribe = this.deps.readings.subscribe((r) => this.onReading(r));
    this.flushTimer = setInterval(() => this.flush(), this.options.flushMs);
    this.deps.logger.info({ workers: this.slots.length }, 'inference pool started');
  }

  /** Stops taking readings, lets posted batches be answered (their alarms still go out), ends the workers. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.unsubscribe?.();
    clearInterval(this.flushTimer);
    this.flush();
    await this.drain(this.options.drainMs);
    this.running = false;
    await this.terminateAll();
    this.loopDelay.stop();
  }

  /** Posts every worker's gathered samples now (unless it has too many batches unanswered). */
  flush(): void {
    for (const slot of this.slots) this.post(slot);
  }

  /**
   * Flushes and resolves once every worker is up and has answered every batch posted, or
   * after `timeoutMs` (false). Tests and the bench use it; the hub never waits on it.
   */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    this.flush();
    if (this.settled()) return true;
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const check = () => {
        this.flush();
        if (this.settled()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Main-thread event-loop delay since the pool started or since the last reset (ms). */
  eventLoopDelay(): LoopDelayFigures {
    return this.loopDelay.figures();
  }

  resetEventLoopDelay(): void {
    this.loopDelay.reset();
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      inFlight: this.slots.reduce((n, s) => n + s.inFlight, 0),
      ...this.counters,
    };
  }

  /** Test hook: makes a worker throw, as a worker with a bug would. */
  simulateCrash(worker: number): void {
    this.slots[worker]?.worker?.postMessage({ type: 'crash' });
  }

  /** The worker a device is assigned to. */
  workerOf(deviceId: string): number {
    return workerOf(deviceId, this.options.workers);
  }

  private onReading(reading: Reading): void {
    // any device that streams wrist acceleration (today: the watch)
    const accel = (reading.data as { accel?: AccelPayload }).accel;
    if (accel === undefined) return;
    let device = this.devices.get(reading.deviceId);
    if (device === undefined) {
      device = { worker: this.workerOf(reading.deviceId), elderId: reading.elderId, lastAlarm: null };
      this.devices.set(reading.deviceId, device);
      this.slots[device.worker]!.devices.push(reading.deviceId);
    } else if (device.elderId !== reading.elderId) {
      device.elderId = reading.elderId;
    }
    const slot = this.slots[device.worker]!;
    // a worker being replaced: the hot windows keep these samples and rebuild its streams
    if (!slot.ready) return;
    slot.batch.addReading(reading.deviceId, reading.ts, accel.hz, accel.x, accel.y, accel.z);
    if (slot.batch.samples >= this.options.flushSamples) this.post(slot);
  }

  private post(slot: WorkerSlot): void {
    const worker = slot.worker;
    if (worker === undefined || !slot.ready || slot.batch.samples === 0) return;
    if (slot.inFlight >= this.options.maxInFlight) {
      if (slot.batch.samples > this.options.maxWaitingSamples) this.drop(slot);
      return;
    }
    const { message, transfer } = slot.batch.take(++this.seq);
    this.send(slot, message, transfer);
  }

  private send(slot: WorkerSlot, message: SamplesMessage, transfer: ArrayBuffer[]): void {
    slot.worker!.postMessage(message, transfer);
    slot.inFlight++;
    this.counters.batches++;
    this.counters.samples += message.samples;
  }

  private drop(slot: WorkerSlot): void {
    this.counters.droppedSamples += slot.batch.samples;
    slot.batch.clear();
    const now = performance.now();
    if (now - this.lastDropWarning > 10_000) {
      this.lastDropWarning = now;
      this.deps.logger.warn(
        { worker: slot.index, dropped: this.counters.droppedSamples },
        'fall worker does not keep up: acceleration dropped',
      );
    }
  }

  private spawn(slot: WorkerSlot): Promise<void> {
    const workerData: FallWorkerData = { modelPath: this.options.modelPath };
    // The worker's file is the same kind as this one: TypeScript under tsx, JavaScript once built.
    const file = import.meta.url.endsWith('.ts') ? './fall-worker.ts' : './fall-worker.js';
    const worker = startModuleWorker(new URL(file, import.meta.url), { workerData });
    slot.worker = worker;
    slot.ready = false;
    slot.inFlight = 0;
    slot.spawnedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (slot.worker !== worker) return;
        if (m.type === 'ready') {
          this.onReady(slot);
          resolve();
        } else {
          this.onDone(slot, m);
        }
        this.notifyWaiters();
      });
      worker.on('error', (error) => {
        this.deps.logger.error({ err: error, worker: slot.index }, 'fall worker failed');
        reject(error);
      });
      worker.on('exit', (code) => {
        reject(new Error(`fall worker exited with code ${code} before it was ready`));
        this.onExit(slot, worker, code);
      });
    });
  }

  private onReady(slot: WorkerSlot): void {
    slot.ready = true;
    if (!slot.rebuild) return;
    slot.rebuild = false;
    // what the slot gathered while it had no worker is in the hot windows too
    slot.batch.clear();
    const lastAlarm = (id: string) => this.devices.get(id)?.lastAlarm ?? null;
    const { hotWindows, logger } = this.deps;
    const rebuild = rebuildBatch(slot.devices, hotWindows, lastAlarm, this.options.rebuildSpanMs, ++this.seq);
    if (rebuild === null) return;
    this.send(slot, rebuild.message, rebuild.transfer);
    logger.info(
      { worker: slot.index, devices: rebuild.message.devices.length, samples: rebuild.message.samples },
      'fall streams rebuilt from hot windows',
    );
  }

  private onDone(slot: WorkerSlot, m: DoneMessage): void {
    slot.inFlight--;
    slot.batch.recycle(m.arrays);
    this.counters.windows += m.windows;
    this.counters.runs += m.runs;
    this.counters.inferenceMs += m.inferenceMs;
    for (const a of m.alarms) {
      const device = this.devices.get(a.deviceId);
      if (device) device.lastAlarm = { peakMs: a.peakMs, peakG: a.peakG };
      this.counters.alarms++;
      this.deps.alarms.publish({
        deviceId: a.deviceId,
        elderId: device?.elderId ?? null,
        peakMs: a.peakMs,
        peakG: a.peakG,
        score: a.score,
      });
    }
  }

  private onExit(slot: WorkerSlot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    slot.inFlight = 0;
    this.notifyWaiters();
    if (!this.running || this.stopping) return;
    this.counters.restarts++;
    const quick = performance.now() - slot.spawnedAt < 5000;
    slot.quickCrashes = quick ? slot.quickCrashes + 1 : 0;
    // a worker that dies right after starting again and again (a bad model file) is retried slower
    const delay = slot.quickCrashes <= 1 ? 0 : Math.min(10_000, 250 * 2 ** (slot.quickCrashes - 2));
    this.deps.logger.error(
      { worker: slot.index, code, devices: slot.devices.length, restartInMs: delay },
      'fall worker died; replacing it',
    );
    slot.rebuild = true;
    slot.respawn = setTimeout(() => {
      slot.respawn = undefined;
      if (this.running && !this.stopping) this.spawn(slot).catch(() => undefined);
    }, delay);
  }

  /** Every batch answered; every worker up (when stopping, one being replaced is not waited for). */
  private settled(): boolean {
    return this.slots.every((s) => s.inFlight === 0 && (s.ready || this.stopping));
  }

  private notifyWaiters(): void {
    for (const check of [...this.waiters]) check();
  }

  private async terminateAll(): Promise<void> {
    const workers: Worker[] = [];
    for (const slot of this.slots) {
      clearTimeout(slot.respawn);
      if (slot.worker) workers.push(slot.worker);
      slot.worker = undefined;
      slot.ready = false;
    }
    this.slots.length = 0;
    this.devices.clear(); // a later start() assigns devices afresh
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
