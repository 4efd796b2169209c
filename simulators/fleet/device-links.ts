import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DevicePlan } from './district-generator.js';

export interface LinkCounters {
  telemetry: number;
  events: number;
  /** QoS 1 events the hub did not acknowledge within 20 s (they may still arrive). */
  eventsUnacknowledged: number;
  /** CONNECTs answered "server unavailable" (3) or failing otherwise, retried. */
  connectRetries: number;
  commands: number;
}

export interface DeviceCommand {
  command_id?: string;
  command?: string;
  text?: string;
}

/**
 * The MQTT connections of simulated devices, one client each, many per process. Connects
 * are spread (a bounded number in flight) and retried with backoff, because a hub verifying
 * secrets for the first time answers CONNACK 3 when its slow-check queue is full.
 */
export class DeviceLinks {
  readonly counters: LinkCounters = {
    telemetry: 0,
    events: 0,
    eventsUnacknowledged: 0,
    connectRetries: 0,
    commands: 0,
  };
  private readonly clients = new Map<string, MqttClient>();
  private readonly plans = new Map<string, DevicePlan>();
  private eventCounter = 0;
  /** Events published and not yet acknowledged or given up. */
  pendingEvents = 0;

  constructor(
    private readonly deps: {
      url: string;
      logger: Logger;
      /** Device time for events (the hub's clock). */
      now: () => number;
      onCommand?: (deviceId: string, command: DeviceCommand) => void;
    },
  ) {}

  get connected(): number {
    return this.clients.size;
  }

  /** Connects every device, at most `inFlight` CONNECTs at a time. */
  async connectAll(devices: DevicePlan[], inFlight = 48, onEach?: () => void): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < devices.length) {
        const device = devices[next++]!;
        await this.connect(device);
        onEach?.();
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, devices.length) }, worker));
  }

  async connect(device: DevicePlan): Promise<void> {
    this.plans.set(device.id, device);
    const availability = `care/${device.id}/availability`;
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await mqtt.connectAsync(this.deps.url, {
          clientId: device.id,
          username: device.id,
          password: device.secret,
          protocolVersion: 4,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 30_000,
          will: { topic: availability, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
        });
        client.on('error', (error) =>
          this.deps.logger.debug({ device: device.id, err: error.message }, 'link error'),
        );
        client.on('message', (topic, payload) => this.message(device.id, topic, payload));
        await client.subscribeAsync([`care/${device.id}/command`, `care/${device.id}/error`], { qos: 1 });
        await client.publishAsync(availability, '{"state":"online"}', { qos: 1, retain: true });
        this.clients.set(device.id, client);
        return;
      } catch (error) {
        this.counters.connectRetries++;
        if (attempt >= 30)
          throw new Error(`device ${device.id} could not connect: ${(error as Error).message}`);
        // exponential backoff with jitter, capped: the hub is busy hashing secrets
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
      }
    }
  }

  isOnline(deviceId: string): boolean {
    return this.clients.has(deviceId);
  }

  /** Periodic readings, QoS 0 (what a watch does to save battery). */
  telemetry(deviceId: string, payload: Record<string, unknown>): void {
    const client = this.clients.get(deviceId);
    if (!client) return;
    this.counters.telemetry++;
    client.publish(`care/${deviceId}/telemetry`, JSON.stringify(payload), { qos: 0 });
  }

  /** An event, QoS 1; resolves whether the hub acknowledged it. */
  async event(deviceId: string, type: string, extra: Record<string, unknown> = {}): Promise<boolean> {
    const client = this.clients.get(deviceId);
    if (!client) return false;
    this.counters.events++;
    const eventId = `sim-${(this.eventCounter++).toString(36)}`;
    this.pendingEvents++;
    try {
      await withTimeout(
        client.publishAsync(
          `care/${deviceId}/event`,
          JSON.stringify({ ts: Math.round(this.deps.now()), event_id: eventId, type, ...extra }),
          { qos: 1 },
        ),
        20_000,
      );
      return true;
    } catch {
      this.counters.eventsUnacknowledged++;
      return false;
    } finally {
      this.pendingEvents--;
    }
  }

  /** The device goes dark: the connection drops without a goodbye (the Last Will says offline). */
  async drop(deviceId: string): Promise<void> {
    const client = this.clients.get(deviceId);
    if (!client) return;
    this.clients.delete(deviceId);
    client.stream.destroy();
    await client.endAsync(true).catch(() => undefined);
  }

  async reconnect(deviceId: string): Promise<void> {
    const plan = this.plans.get(deviceId);
    if (plan && !this.clients.has(deviceId)) await this.connect(plan);
  }

  async stop(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    // A graceful end waits for unacknowledged QoS 1 publishes; a client that is reconnecting
    // (offline or flapping scenario) never gets them acknowledged: close it after 5 s.
    await Promise.all(
      all.map((c) => withTimeout(c.endAsync(), 5000).catch(() => new Promise((r) => c.end(true, {}, r)))),
    );
  }

  private message(deviceId: string, topic: string, payload: Buffer): void {
    if (!topic.endsWith('/command')) {
      this.deps.logger.debug({ device: deviceId, error: payload.toString() }, 'hub rejected a message');
      return;
    }
    this.counters.commands++;
    let command: DeviceCommand;
    try {
      command = JSON.parse(payload.toString()) as DeviceCommand;
    } catch {
      return;
    }
    void this.event(deviceId, 'command_ack', { command_id: command.command_id });
    this.deps.onCommand?.(deviceId, command);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
