import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import proxyaddr from '@fastify/proxy-addr';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { DeviceIntake } from '../ingest/device-intake.js';
import type { TelemetryAdmission } from '../ingest/telemetry-admission.js';
import type { Channel } from '../kernel/channel.js';
import type { HubMetrics } from '../kernel/metrics.js';
import { type HttpUpgrade, routeSet } from '../kernel/stage.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { DistrictUpdate } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import { DeviceAuthenticator } from './device-authenticator.js';
import { deviceRoutes } from './device-routes.js';
import { type GatewayListenOptions, MqttGateway } from './mqtt-gateway.js';

export interface GatewaySettings {
  listen: GatewayListenOptions;
  maxPayloadBytes: number;
  /** `MQTT_READ_WAIT_MS`: the wait between polls while many devices send and the loop is light (0: none). */
  readWaitMs: number;
  /** Slow secret checks queued at most during a reconnect storm; beyond, CONNACK 3. */
  maxSlowSecretChecks: number;
  /** `TRUST_PROXY`: a WebSocket device's address is then the one this proxy forwards. */
  trustProxy?: string | undefined;
  /** Cluster mode: one broker across the hub processes (gateway/shared-broker.ts). */
  redisUrl?: string | undefined;
}

/** The MQTT broker (TCP, TLS, and WebSocket at `/mqtt` on the HTTP port), device commands and routes. */
export function gatewayDomain(deps: {
  db: Database;
  intake: DeviceIntake;
  admission: TelemetryAdmission;
  devices: DeviceRegistry;
  /** The district's changes: devices revoked or given to another elder are disconnected. */
  districtChanges: Channel<DistrictUpdate>;
  metrics: HubMetrics;
  logger: Logger;
  settings: GatewaySettings;
}) {
  const { db, settings } = deps;
  const authenticator = new DeviceAuthenticator({ db, maxSlowChecks: settings.maxSlowSecretChecks });
  const gateway = new MqttGateway({
    authenticator,
    intake: deps.intake,
    admission: deps.admission,
    metrics: deps.metrics,
    logger: deps.logger,
    maxPayloadBytes: settings.maxPayloadBytes,
    readWaitMs: settings.readWaitMs,
    listen: settings.listen,
    districtChanges: deps.districtChanges,
    ...(settings.redisUrl && { redisUrl: settings.redisUrl }),
  });
  const mqttOverWebSocket = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const trustedProxy = settings.trustProxy
    ? proxyaddr.compile(settings.trustProxy.split(',').map((a) => a.trim()))
    : () => false;
  const webSocket: HttpUpgrade = {
    paths: ['/mqtt'],
    attach(server: Server) {
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (request.url?.split('?')[0] !== '/mqtt') return;
        mqttOverWebSocket.handleUpgrade(request, socket, head, (ws) =>
          gateway.handle(createWebSocketStream(ws), proxyaddr(request, trustedProxy)),
        );
      });
    },
    close() {
      for (const client of mqttOverWebSocket.clients) client.terminate();
      mqttOverWebSocket.close();
    },
  };
  /** Shows a text on a device's screen (protocol command `notify`, level `alert`). */
  const notify = (deviceId: string, text: string) =>
    gateway.sendCommand(deviceId, { command: 'notify', text, level: 'alert' });
  return {
    gateway,
    authenticator,
    notify,
    webSocket,
    stages: { gateway },
    routes: [routeSet('/api/v1/devices', deviceRoutes, { devices: deps.devices, gateway })],
  };
}
