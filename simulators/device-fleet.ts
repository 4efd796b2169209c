import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceCatalog, DeviceType } from '../devices/catalog.js';

export interface SimulatedDevice {
  id: string;
  type: string;
  secret: string;
  home: { lat: number; lon: number };
}

/**
 * Simulated home devices over real MQTT: each connects with its own id and
 * secret, announces itself online (with an offline Last Will), sends telemetry
 * from its catalog declaration, and raises events when told to.
 */
export class DeviceFleet {
  private readonly clients = new Map<string, MqttClient>();
  private readonly timers: NodeJS.Timeout[] = [];
  private eventCounter = 0;

  constructor(
    private readonly deps: {
      url: string;
      catalog: DeviceCatalog;
      random: () => number;
      logger: Logger;
      /** Telemetry period per device type. */
      periodMs: Record<string, number>;
      /**
       * Wearers who do not press confirm on a `notify` (a check-in, a reminder): these devices
       * never do, the others with this probability. Other commands are always acknowledged.
       */
      ignoreNotify?: { devices?: readonly string[]; probability?: number };
    },
  ) {}

  async start(devices: SimulatedDevice[]): Promise<void> {
    await Promise.all(devices.map((device) => this.connect(device)));
  }

  /** The device raises an event (QoS 1); resolves once the hub has acknowledged it. */
  async raise(deviceId: string, type: string, extra: Record<string, unknown> = {}): Promise<string> {
    const client = this.clients.get(deviceId);
    if (!client) throw new Error(`no simulated device ${deviceId}`);
    const eventId = `${Date.now().toString(36)}-${(this.eventCounter++).toString(36)}`;
    await client.publishAsync(
      `care/${deviceId}/event`,
      JSON.stringify({ ts: Date.now(), event_id: eventId, type, ...extra }),
      {
        qos: 1,
      },
    );
    return eventId;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.clients.values()].map((c) => c.endAsync()));
    this.clients.clear();
  }

  /** Whether the wearer leaves this command unanswered (only what the wearer answers can be ignored). */
  private ignores(type: DeviceType, deviceId: string, command: string | undefined): boolean {
    if (command !== 'notify' || !type.answeredByWearer?.includes('notify')) return false;
    const { devices = [], probability = 0 } = this.deps.ignoreNotify ?? {};
    return devices.includes(deviceId) || (probability > 0 && this.deps.random() < probability);
  }

  private async connect(device: SimulatedDevice): Promise<void> {
    const type = this.deps.catalog.get(device.type);
    if (!type) throw new Error(`unknown device type ${device.type}`);
    const availability = `care/${device.id}/availability`;
    const client = await mqtt.connectAsync(this.deps.url, {
      clientId: device.id,
      username: device.id,
      password: device.secret,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 2000,
      will: { topic: availability, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    client.on('error', (error) =>
      this.deps.logger.warn({ device: device.id, err: error.message }, 'device connection error'),
    );
    await client.publishAsync(availability, '{"state":"online"}', { qos: 1, retain: true });
    await client.subscribeAsync([`care/${device.id}/command`, `care/${device.id}/error`], { qos: 1 });
    client.on('message', (topic, payload) => {
      if (topic.endsWith('/command')) {
        const command = JSON.parse(payload.toString()) as { command_id?: string; command?: string };
        if (this.ignores(type, device.id, command.command)) return;
        this.raise(device.id, 'command_ack', { command_id: command.command_id }).catch(() => undefined);
      } else
        this.deps.logger.warn({ device: device.id, error: payload.toString() }, 'hub rejected a message');
    });
    this.clients.set(device.id, client);
    const period = this.deps.periodMs[device.type] ?? 60_000;
    const send = () => {
      const message = type.simulate({ ts: Date.now(), random: this.deps.random, home: device.home });
      client.publish(`care/${device.id}/telemetry`, JSON.stringify(message), { qos: 0 });
    };
    send();
    // Spread the devices over the period so that they do not all speak at once.
    const first = setTimeout(() => {
      send();
      this.timers.push(setInterval(send, period));
    }, this.deps.random() * period);
    this.timers.push(first);
  }
}
