import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/lib/hub-process.js';
import { selfSignedCertificate } from './support/certificate.js';
import { replaceOnce } from './support/deploy-files.js';
import { nginxPath } from './support/deploy-programs.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { singleRequest } from './support/single-request.js';
import { until } from './support/wait.js';

// docs/deploy.md's nginx site, run as it stands in front of a real hub: only the ports, the
// certificate and the hub's address are substituted, each of which must be found exactly once.

let hub: TestHub;
let nginx: ChildProcess;
let ca: string;
let httpPort: number;
let httpsPort: number;

/** The site block of docs/deploy.md (the first nginx block, the one for conf.d). */
function documentedSite(): string {
  const doc = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
  const block = /```nginx\n(# \/etc\/nginx\/conf\.d\/yiyang\.conf\n[\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/deploy.md has no nginx block for /etc/nginx/conf.d/yiyang.conf');
  return block[1]!;
}

const substitute = (site: string, from: string, to: string) =>
  replaceOnce(site, from, to, "docs/deploy.md's site");

/** A request through nginx, trusting the test's certificate. */
const request = (url: string, options: { method?: string; body?: unknown } = {}) =>
  singleRequest(url, { ...options, ca });

beforeAll(async () => {
  const nginxBin = nginxPath();
  const pem = selfSignedCertificate();
  ca = readFileSync(pem.cert, 'utf8');
  hub = await startTestHub({ config: { trustProxy: '127.0.0.1' } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  [httpPort, httpsPort] = [await freePort(), await freePort()];

  let site = documentedSite();
  site = substitute(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${hub.addresses.http};`);
  site = substitute(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = substitute(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = substitute(site, '/etc/nginx/tls/care.example.cn/fullchain.pem', pem.cert);
  site = substitute(site, '/etc/nginx/tls/care.example.cn/key.pem', pem.key);
  const dir = mkdtempSync(join(tmpdir(), 'yiyang-nginx-'));
  // nginx's workers run as an unprivileged user when started as root: they write their temp files here.
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, 'yiyang.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join('\n  ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
      `events { worker_connections 256; }\n` +
      `http {\n  access_log off;\n  ${temp}\n  include ${dir}/yiyang.conf;\n}\n`,
  );
  nginx = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const up = await until(
    () => request(`https://127.0.0.1:${httpsPort}/healthz`).catch(() => undefined),
    (answer) => answer?.status === 200,
    10_000,
  );
  if (up?.status !== 200) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
    throw new Error(`nginx with docs/deploy.md's site did not answer /healthz in 10 s:\n${log}`);
  }
}, 30_000);

afterAll(async () => {
  nginx?.kill('SIGQUIT');
  await hub?.stop();
});

describe("docs/deploy.md's nginx site in front of the hub", () => {
  it('[PROXY-HTTPS] the API answers over HTTPS, and plain HTTP is sent to HTTPS', async () => {
    const ready = await request(`https://127.0.0.1:${httpsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
    const plain = await request(`http://127.0.0.1:${httpPort}/api/v1/alerts`);
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe('https://127.0.0.1/api/v1/alerts');
  });

  it('[PROXY-METRICS] /metrics is refused by nginx itself to anyone but the scraper', async () => {
    const metrics = await request(`https://127.0.0.1:${httpsPort}/metrics`);
    expect(metrics.status).toBe(403);
    // nginx's own page, not the hub's JSON refusal: the request never reached the hub.
    expect(metrics.body).toContain('<center>nginx');
  });

  it('[PROXY-LIVE] a login, the console feed over WebSocket and an SOS over MQTT-over-WebSocket all pass the proxy', async () => {
    const login = await request(`https://127.0.0.1:${httpsPort}/api/v1/auth/login`, {
      method: 'POST',
      body: { username: 'spec-jingtian', password: 'spec-password-1' },
    });
    expect(login.status).toBe(200);
    const { token } = JSON.parse(login.body) as { token: string };
    const feed = connectSocket(`https://127.0.0.1:${httpsPort}/console`, {
      auth: { token },
      transports: ['websocket'],
      ca,
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        feed.once('connect', resolve);
        feed.once('connect_error', reject);
        setTimeout(() => reject(new Error('console socket: no connect through nginx in 5 s')), 5000);
      });
      const alert = new Promise<{ kind: string; device_id: string; status: string }>((resolve, reject) => {
        feed.on('alert', (a) => a.device_id === 'w-0001' && resolve(a));
        setTimeout(() => reject(new Error('no alert on the console feed within 5 s of the SOS')), 5000);
      });
      const watch = await mqtt.connectAsync(`wss://127.0.0.1:${httpsPort}/mqtt`, {
        clientId: 'w-0001',
        username: 'w-0001',
        password: 'watch-secret-0001',
        protocolVersion: 4,
        reconnectPeriod: 0,
        ca,
      });
      // QoS 1: publishAsync resolves on the PUBACK, which came back through nginx.
      await watch.publishAsync(
        'care/w-0001/event',
        JSON.stringify({ ts: Date.now(), event_id: 'through-nginx', type: 'sos' }),
        { qos: 1 },
      );
      await watch.endAsync();
      expect(await alert).toMatchObject({ kind: 'sos', device_id: 'w-0001', status: 'open' });
    } finally {
      feed.close();
    }
  });
});
