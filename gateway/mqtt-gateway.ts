import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { DeviceIntake, IntakeResult } from '../ingest/device-intake.js';
import type { TelemetryAdmission } from '../ingest/telemetry-admission.js';
import type { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import type { DistrictUpdate } from '../registry/district-directory.js';
import type { AuthenticatedDevice, DeviceAuthenticator } from './device-authenticator.js';
import { type BrokerKeepAlive, DeviceTelemetry } from './device-telemetry.js';
import { splitFrames } from './frame-splitter.js';
import { ReadCoalescing, readCoalescing } from './read-coalescing.js';
import { type SharedBroker, sharedBroker } from './shared-broker.js';
import { SharedReads } from './shared-reads.js';

export const hubStateTopic = 'care/hub/state';
/** What a device publishes to: `care/<id>/<kind>`. */
const deviceTopicKinds = new Set(['telemetry', 'event', 'availability']);

/** How long a stopping gateway waits to say the hub is offline (retained, through Redis in cluster mode). */
const offlineStateWaitMs = 2000;
/** A connection is cut at this frame size; payloads above `maxPayloadBytes` are only dropped and answered. */
const hardFrameLimit = 1 << 20;

export interface GatewayListenOptions {
  host: string;
  mqttPort: number;
  tls?: { port: number; cert: Buffer; key: Buffer } | undefined;
}

export interface CommandMessage {
  command: string;
  [field: string]: unknown;
}

/**
 * The MQTT broker of the hub (aedes, in process). Its hooks decide who may
 * connect, publish and subscribe; what a message means is ingest's business.
 */
export class MqttGateway {
  private broker: Aedes | undefined;
  private shared: SharedBroker | undefined;
  private readonly devices = new WeakMap<Client, AuthenticatedDevice>();
  private readonly servers: Array<Server | TlsServer> = [];
  readonly addresses: { mqtt?: number; mqtts?: number } = {};

  constructor(
    private readonly deps: {
      authenticator: DeviceAuthenticator;
      intake: DeviceIntake;
      /** Telemetry, taken from each connection before aedes parses it: counted, shed or queued. */
      admission: TelemetryAdmission;
      metrics: HubMetrics;
      logger: Logger;
      maxPayloadBytes: number;
      /** The wait between polls while many devices send and the loop is light (`ReadCoalescing`; 0: none). */
      readWaitMs?: number;
      /** Where it listens: MQTT over TCP, and over TLS when a certificate is given. */
      listen: GatewayListenOptions;
      /** Many hub processes, one broker: subscriptions, retained messages and routing through Redis. */
      redisUrl?: string;
      /**
       * Changes to the district (made here or on another node). A device's identity and elder are read
       * at its CONNECT: one revoked or given to another elder is disconnected, and signs in again as
       * what it is now (else its falls would go on being its old elder's, or nobody's).
       */
      districtChanges?: Channel<DistrictUpdate>;
    },
  ) {}

  private unsubscribeDistrict: (() => void) | undefined;

  /** Each connection's network address, and its telemetry path, for as long as the connection lives. */
  private readonly peers = new WeakMap<Duplex, string>();
  private readonly telemetry = new WeakMap<Duplex, DeviceTelemetry>();
  /** What every plain TCP connection is read into, one read at a time. */
  private readonly reads = new SharedReads();
  private coalescing: ReadCoalescing | undefined;

  async start(): Promise<void> {
    const { listen } = this.deps;
    const { metrics, logger } = this.deps;
    this.unsubscribeDistrict = this.deps.districtChanges?.subscribe((change) => {
      for (const id of [...change.revokedDevices, ...change.reassignedDevices]) this.disconnect(id);
    });
    this.shared = this.deps.redisUrl ? sharedBroker(this.deps.redisUrl, logger) : undefined;
    const broker = await Aedes.createBroker({
      ...(this.shared && { mq: this.shared.mq, persistence: this.shared.persistence }),
      maxClientsIdLength: 64,
      // A frozen client must not stall delivery to everyone else.
      drainTimeout: 10_000,
      authenticate: (client, username, password, done) => {
        const from = this.peers.get(client.conn as unknown as Duplex);
        this.deps.authenticator.check(client.id, username, password, from).then(
          (verdict) => {
            if (verdict.ok) {
              this.devices.set(client, verdict.device);
              this.telemetry.get(client.conn as unknown as Duplex)?.authenticated(verdict.device);
              return done(null, true);
            }
            metrics.connectsRefused.inc({ reason: verdict.reason });
            logger.info({ device: client.id, reason: verdict.reason }, 'connect refused');
            done(Object.assign(new Error(verdict.reason), { returnCode: verdict.returnCode }), false);
          },
          (error: unknown) => {
            logger.error({ err: error, device: client.id }, 'authentication failed');
            done(Object.assign(new Error('server unavailable'), { returnCode: 3 }), false);
          },
        );
      },
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, sub, callback) => callback(null, this.authorizeSubscribe(client, sub)),
    });
    this.broker = broker;
    const napMs = this.deps.readWaitMs ?? 0;
    if (napMs > 0) {
      const coalescing = new ReadCoalescing(() => this.reads.count, { ...readCoalescing, napMs });
      metrics.followCount(metrics.readWaits, () => coalescing.waits);
      this.coalescing = coalescing;
    }
    broker.on('clientReady', () => metrics.connections.inc());
    broker.on('clientDisconnect', (client) => {
      if (this.devices.has(client)) metrics.connections.dec();
    });
    broker.on('clientError', (client, error) =>
      logger.debug({ device: client.id, err: error.message }, 'client error'),
    );

    // No Nagle: an error answer and the PUBACK right after it are two small writes, and the second
    // waited ~40 ms for the device's delayed ACK (found by fuzzing: every refused QoS 1 message).
    const tcp = createServer({ noDelay: true }, (socket) => this.handle(socket, socket.remoteAddress));
    this.addresses.mqtt = await listenOn(tcp, listen.host, listen.mqttPort);
    this.servers.push(tcp);
    if (listen.tls) {
      const tls = createTlsServer({ cert: listen.tls.cert, key: listen.tls.key, noDelay: true }, (socket) =>
        this.handle(socket, socket.remoteAddress),
      );
      this.addresses.mqtts = await listenOn(tls, listen.host, listen.tls.port);
      this.servers.push(tls);
    }
    await this.publish(hubStateTopic, { state: 'online' }, 1, true);
  }

  /**
   * Takes a connection from any transport (TCP, TLS, WebSocket), with the address it came from
   * (for a WebSocket behind a proxy: the forwarded one), which wrong secrets are counted by.
   */
  handle(stream: Duplex, from: string | undefined): void {
    if (!this.broker) {
      stream.destroy();
      return;
    }
    if (from) this.peers.set(stream, from);
    const telemetry = new DeviceTelemetry(stream, {
      admission: this.deps.admission,
      reject: (deviceId, topic, result) => this.reject(deviceId, topic, result.error, result.detail),
      keepAlive: brokerKeepAlive(stream),
    });
    this.telemetry.set(stream, telemetry);
    splitFrames(stream, {
      maxFrameBytes: hardFrameLimit,
      onTooLarge: (bytes) => {
        this.deps.metrics.rejected.inc({ reason: 'frame_too_large' });
        this.deps.logger.warn({ bytes }, 'connection cut: MQTT frame too large');
      },
      tap: telemetry,
      reads: this.reads,
    });
    this.broker.handle(stream);
  }

  /**
   * Sends a command to a device (QoS 1); returns its `command_id`. A caller that must match the
   * device's `command_ack` to its own record (a welfare check-in) gives the id it stored first.
   */
  async sendCommand(
    deviceId: string,
    command: CommandMessage,
    commandId: string = randomUUID(),
  ): Promise<string> {
    await this.publish(`care/${deviceId}/command`, { command_id: commandId, ...command }, 1, false);
    return commandId;
  }

  /** Cuts a device's connection, e.g. after its revocation. */
  disconnect(deviceId: string): void {
    const broker = this.broker as unknown as { clients?: Record<string, Client> } | undefined;
    broker?.clients?.[deviceId]?.close();
  }

  async stop(): Promise<void> {
    this.unsubscribeDistrict?.();
    this.coalescing?.stop();
    this.coalescing = undefined;
    const broker = this.broker;
    if (!broker) return;
    // Said on the way out if it can be: with Redis away the retained state would wait on its retries.
    await Promise.race([
      this.publish(hubStateTopic, { state: 'offline' }, 1, true).catch(() => undefined),
      delay(offlineStateWaitMs, undefined, { ref: false }),
    ]);
    // A server's close waits for its connections, and only the broker's close drops its devices:
    // stop accepting first, then close the broker (a connected device once kept stop() waiting for ever).
    const closed = Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    await this.shared?.endIfAway();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
    await this.shared?.close();
    this.broker = undefined;
    this.shared = undefined;
  }

  private authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    callback: (error?: Error | null) => void,
  ): void {
    const device = client ? this.devices.get(client) : undefined;
    const parts = packet.topic.split('/');
    // Another device's topics or anything outside `care/<id>/`: refused (aedes closes the connection).
    if (!device || parts.length !== 3 || parts[0] !== 'care' || parts[1] !== device.id) {
      this.deps.metrics.rejected.inc({ reason: 'acl' });
      this.deps.logger.warn(
        { device: client?.id, topic: packet.topic },
        'publish outside own topics refused',
      );
      callback(new Error(`publish to ${packet.topic} not allowed`));
      return;
    }
    const kind = parts[2]!;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // A label a device chose would grow /metrics without bound: only the protocol's kinds are labels.
    // (Telemetry is counted by admission, whichever way it came.)
    if (kind !== 'telemetry')
      this.deps.metrics.messagesIn.inc({ kind: deviceTopicKinds.has(kind) ? kind : 'other' });
    const answer = (result: IntakeResult) => {
      if (!result.ok) this.reject(device.id, packet.topic, result.error, result.detail);
      callback(null);
    };
    if (kind !== 'availability') packet.retain = false;
    // Telemetry the frame splitter left to aedes (QoS 2, or sent before the CONNECT was answered).
    if (kind === 'telemetry') answer(this.deps.admission.handleNow(device, payload));
    else if (kind === 'availability') answer(this.deps.intake.availability(device, payload));
    else if (kind === 'event') {
      // Stored before the callback: aedes writes the PUBACK right after it.
      const pubackTimer = this.deps.metrics.eventPuback.startTimer();
      const stored = (result: IntakeResult) => {
        // Timed only when stored (or stored before): a refused event's answer costs no write.
        if (result.ok) pubackTimer();
        answer(result);
      };
      this.deps.intake.event(device, payload).then(stored, (error: unknown) => {
        this.deps.metrics.rejected.inc({ reason: 'store_failed' });
        this.deps.logger.error({ err: error, device: device.id }, 'event not stored; device will redeliver');
        // No PUBACK: the connection closes and the device sends the event again.
        callback(new Error('event could not be stored'));
      });
    } else
      answer({
        ok: false,
        error: 'unknown_topic',
        detail: 'devices publish to telemetry, event or availability',
      });
  }

  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const device = this.devices.get(client);
    if (!device) return null;
    if (sub.topic === `care/${device.id}/command`) return { ...sub, qos: Math.min(sub.qos, 1) as 0 | 1 };
    if (sub.topic === `care/${device.id}/error` || sub.topic === hubStateTopic) return { ...sub, qos: 0 };
    this.deps.metrics.rejected.inc({ reason: 'subscribe_acl' });
    return null;
  }

  private reject(deviceId: string, topic: string, error: string, detail: unknown): void {
    this.deps.metrics.rejected.inc({ reason: error });
    this.deps.logger.debug({ device: deviceId, topic, error }, 'message rejected');
    this.publish(`care/${deviceId}/error`, { topic, error, detail }, 0, false).catch(() => undefined);
  }

  private publish(topic: string, message: object, qos: 0 | 1, retain: boolean): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('gateway not started'));
    const payload = Buffer.from(JSON.stringify(message));
    return new Promise((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
}

/**
 * aedes refreshes a client's keepalive timer for each packet it handles; telemetry taken before aedes
 * parses it must do the same, or a device that only streams would be cut after 1.5 keepalives
 * (aedes 1.2: the Client is `conn.client`, its timer `_keepaliveTimer`, null without a keepalive, its
 * timeout `_keepaliveInterval` ms, -1 without one; both set once the CONNECT is accepted, `connected`).
 */
function brokerKeepAlive(stream: Duplex): BrokerKeepAlive {
  type AedesClient = {
    connected?: boolean;
    _keepaliveTimer?: NodeJS.Timeout | null;
    _keepaliveInterval?: number;
  };
  const client = () => (stream as { client?: AedesClient }).client;
  return {
    refresh: () => client()?._keepaliveTimer?.refresh(),
    timeoutMs: () => {
      const c = client();
      if (!c?.connected) return undefined;
      return c._keepaliveTimer && (c._keepaliveInterval ?? -1) > 0 ? c._keepaliveInterval! : null;
    },
  };
}

function listenOn(server: Server | TlsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a reconnect storm of thousands of devices must not wait out SYN retries.
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
