import mqtt, { type MqttClient } from 'mqtt';
import { type Logger, pino } from 'pino';
import { type HubConfig, loadConfig } from '../../hub/config.js';
import { type Hub, startHub } from '../../hub/hub.js';
import type { DistrictDocumentInput } from '../../registry/district-document.js';
import { type Dialect, migratedStorePlace } from './databases.js';
import { deviceLogin } from './device-login.js';

export const adminPassword = 'admin-password-1';

/** The 200 or 400 answer of PUT /api/v1/district, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whichever shape came back
type DistrictAnswer = Record<string, any>;

export interface TestHub extends Hub {
  adminToken: string;
  /** `Authorization` headers for a user. */
  as(token: string): { authorization: string };
  login(username: string, password: string): Promise<string>;
  putDistrict(
    doc: DistrictDocumentInput,
    token?: string,
  ): Promise<{ statusCode: number; body: DistrictAnswer }>;
  /** A device connected over real MQTT 3.1.1 as the protocol asks (client id = username = device id). */
  connectDevice(id: string, secret: string): Promise<MqttClient>;
}

/** A real hub on ephemeral ports, its own data directory, and SQLite or a fresh PostgreSQL database. */
export async function startTestHub(
  options: {
    dialect?: Dialect;
    now?: () => number;
    config?: Partial<HubConfig>;
    /** The hub's logger (a test that reads the log); silent unless TEST_LOG_LEVEL says otherwise. */
    logger?: Logger;
  } = {},
): Promise<TestHub> {
  const { dataDir, databaseUrl } = await migratedStorePlace(options.dialect, 'yiyang-test-');
  const config = loadConfig(
    {},
    {
      host: '127.0.0.1',
      port: 0,
      mqttPort: 0,
      dataDir,
      databaseUrl,
      adminPassword,
      logLevel: 'silent',
      // Test hubs sign in hundreds of times from one address, at a cheap hash: the limits and the
      // cost as shipped are tested on their own ([LOGIN-IP-LIMIT], [PASSWORD-COST]).
      passwordScryptN: 1024,
      signInsPerIpPerMin: 100_000,
      signUpsPerIpPerHour: 100_000,
      ...options.config,
    },
  );
  const hub = await startHub(config, {
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    now: options.now,
  });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const login = async (username: string, password: string) => {
    const res = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password },
    });
    if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
    return (res.json() as { token: string }).token;
  };
  const adminToken = await login('admin', adminPassword);
  return {
    ...hub,
    adminToken,
    as,
    login,
    connectDevice: (id, secret) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${hub.addresses.mqtt}`, deviceLogin(id, secret)),
    async putDistrict(doc, token = adminToken) {
      const res = await hub.app.inject({
        method: 'PUT',
        url: '/api/v1/district',
        headers: as(token),
        payload: doc,
      });
      return { statusCode: res.statusCode, body: res.json() };
    },
  };
}

/** A small district: one street, two communities, an elder with a watch in each, a specialist per community. */
export function smallDistrict(): DistrictDocumentInput {
  return {
    org_units: [
      { id: 'futian', name: '福田区', level: 'district' },
      { id: 'lianhua', name: '莲花街道', level: 'street', parent: 'futian' },
      { id: 'jingtian', name: '景田社区', level: 'community', parent: 'lianhua' },
      { id: 'meilin', name: '梅林社区', level: 'community', parent: 'lianhua' },
    ],
    elders: [
      {
        id: 'e-0001',
        name: '王秀英',
        org_unit: 'jingtian',
        address: '景田北一街 3 栋 502',
        location: { lat: 22.5531, lon: 114.0412 },
        devices: [
          { id: 'w-0001', type: 'watch', secret: 'watch-secret-0001' },
          { id: 'r-0001', type: 'fall_radar', secret: 'radar-secret-0001' },
        ],
      },
      {
        id: 'e-0002',
        name: '李桂兰',
        org_unit: 'meilin',
        address: '梅林一村 12 栋 301',
        location: { lat: 22.5702, lon: 114.0523 },
        devices: [{ id: 'w-0002', type: 'watch', secret: 'watch-secret-0002' }],
      },
    ],
    responders: [
      {
        id: 'v-0001',
        name: '李建国',
        kind: 'volunteer',
        org_unit: 'jingtian',
        skills: ['first_aid'],
        location: { lat: 22.5529, lon: 114.042 },
      },
    ],
    users: [
      { username: 'spec-jingtian', password: 'spec-password-1', role: 'specialist', org_unit: 'jingtian' },
      { username: 'spec-meilin', password: 'spec-password-2', role: 'specialist', org_unit: 'meilin' },
      { username: 'admin-lianhua', password: 'admin-password-2', role: 'admin', org_unit: 'lianhua' },
      { username: 'v-0001', password: 'volunteer-password', role: 'responder', org_unit: 'jingtian' },
    ],
  };
}

/**
 * The document's responders each get a user of their own (username = responder id, password
 * `password-<id>`), in place of the small district's responder users.
 */
export function withResponderUsers(doc: DistrictDocumentInput): DistrictDocumentInput {
  doc.users = [
    ...(doc.users ?? []).filter((u) => u.role !== 'responder'),
    ...(doc.responders ?? []).map((r) => ({
      username: r.id,
      password: `password-${r.id}`,
      role: 'responder' as const,
      org_unit: r.org_unit,
    })),
  ];
  return doc;
}

/** A hub in another process (its HTTP base URL): the admin signs in and puts the district document. */
export async function putDistrictOverHttp(
  httpUrl: string,
  password: string,
  doc: DistrictDocumentInput = smallDistrict(),
): Promise<void> {
  const login = await fetch(`${httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const put = await fetch(`${httpUrl}/api/v1/district`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(doc),
  });
  if (put.status !== 200) throw new Error(`PUT /api/v1/district: ${put.status} ${await put.text()}`);
}
