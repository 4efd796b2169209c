import type { LastHeard } from '../ingest/last-heard.js';
import type { Stage } from '../kernel/stage.js';

/** A device heard: its id, type and when (the hub's clock). */
export type Heard = [deviceId: string, type: string, at: number];

/** Well inside the shortest silence timeout (a radar's 2 min), and one message per partition each time. */
const relayEveryMs = 5_000;

/**
 * Cluster mode: telemetry a process sheds or refuses still says its device is alive, but no reading of
 * it reaches the elder's owner, which judges the device's silence. Every few seconds each process tells
 * each owner which of that owner's devices it heard since the last time, one message per partition.
 */
export class HeardRelay implements Stage {
  private timer: NodeJS.Timeout | undefined;
  /** By `LastHeard` slot: the last time told. */
  private readonly told: number[] = [];

  constructor(
    private readonly deps: {
      heard: LastHeard;
      ownsDevice: (deviceId: string) => boolean;
      partitionOfDevice: (deviceId: string) => number;
      send: (partition: number, heard: Heard[]) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.relay(), relayEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Tells each owner what was heard of its devices since the last time (public for tests). */
  relay(): void {
    const { heard, ownsDevice, partitionOfDevice } = this.deps;
    const batches = new Map<number, Heard[]>();
    for (let slot = 0; slot < heard.size; slot++) {
      const at = heard.when(slot);
      if (at === 0 || at <= (this.told[slot] ?? 0)) continue;
      this.told[slot] = at;
      const device = heard.device(slot);
      if (ownsDevice(device.id)) continue;
      const partition = partitionOfDevice(device.id);
      const batch = batches.get(partition) ?? [];
      batch.push([device.id, device.type, at]);
      batches.set(partition, batch);
    }
    for (const [partition, batch] of batches) this.deps.send(partition, batch);
  }
}
