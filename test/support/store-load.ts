import type { MqttClient } from 'mqtt';
import type { Ledger } from '../../timebank/ledger.js';
import type { TestHub } from './hub.js';

/** A device of the load: its credentials and the event types it sends in turn. */
export interface LoadDevice {
  id: string;
  secret: string;
  types: string[];
}

/** Rejects when `work` takes longer than `ms`: no wait of the load hangs. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Devices publishing QoS 1 events as fast as the hub acknowledges them, one in flight each.
 * `acked` holds `device/event_id` of every event whose PUBACK came.
 */
export class EventLoad {
  readonly acked = new Set<string>();
  private running = true;
  private failure: unknown;
  private readonly loops: Promise<void>[];

  constructor(hub: TestHub, devices: LoadDevice[], first?: { device: string; type: string }) {
    this.loops = devices.map((device) =>
      this.loop(hub, device, first?.device === device.id ? first.type : undefined).catch((error: unknown) => {
        this.failure ??= error;
        this.running = false;
      }),
    );
  }

  /** Stops sending; fails if any device met an error (a PUBACK that never came). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    if (this.failure) throw this.failure;
  }

  private async loop(hub: TestHub, device: LoadDevice, firstType: string | undefined): Promise<void> {
    const client: MqttClient = await within(
      hub.connectDevice(device.id, device.secret),
      5000,
      `${device.id} connect`,
    );
    try {
      for (let i = 0; this.running; i++) {
        const eventId = `load-${i}`;
        const type = i === 0 && firstType ? firstType : device.types[i % device.types.length]!;
        const payload = JSON.stringify({ ts: Date.now(), event_id: eventId, type });
        await within(
          client.publishAsync(`care/${device.id}/event`, payload, { qos: 1 }),
          5000,
          `PUBACK of ${eventId}`,
        );
        this.acked.add(`${device.id}/${eventId}`);
      }
    } finally {
      await client.endAsync();
    }
  }
}

/**
 * Time bank movements one after another: a certified service credits volunteer v-0001 (景田), who
 * gives part of it to elder e-0001. `cycles` counts the finished pairs (two transfers each).
 */
export class CreditLoad {
  cycles = 0;
  private running = true;
  private failure: unknown;
  private readonly loop: Promise<void>;

  constructor(ledger: Ledger) {
    this.loop = this.run(ledger).catch((error: unknown) => {
      this.failure = error;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  private async run(ledger: Ledger): Promise<void> {
    for (let i = 0; this.running; i++) {
      await within(
        ledger.depositForService({
          serviceId: `load-svc-${i}`,
          volunteerId: 'v-0001',
          orgUnitId: 'jingtian',
          claimedMinutes: 30,
          measuredMinutes: 30,
          certifiedBy: 'spec-jingtian',
        }),
        5000,
        `deposit ${i}`,
      );
      await within(
        ledger.transfers.move({
          idempotencyKey: `load-gift-${i}`,
          actor: 'v-0001',
          from: { kind: 'volunteer', ownerId: 'v-0001' },
          to: { kind: 'elder', ownerId: 'e-0001' },
          minutes: 10,
        }),
        5000,
        `gift ${i}`,
      );
      this.cycles++;
      // SQLite's driver answers without I/O (better-sqlite3 is synchronous): yield, or this loop of
      // promises would starve the hub's event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
