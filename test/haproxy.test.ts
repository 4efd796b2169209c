import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/lib/hub-process.js';
import { tempDir } from '../bench/lib/processes.js';
import { selfSignedCertificate } from './support/certificate.js';
import { replaceOnce } from './support/deploy-files.js';
import { haproxyPath } from './support/deploy-programs.js';
import { deviceLogin } from './support/device-login.js';
import { HubProcess } from './support/hub-process.js';
import { singleRequest } from './support/single-request.js';
import { until } from './support/wait.js';

// deploy/haproxy/yiyang.cfg as it stands in front of two hubs (two machines, here two processes on
// 127.0.0.1): only the listening ports, the hubs' addresses and the certificate are substituted, each
// of which must be found exactly once, the drop to the haproxy user (the suite is not always root) and
// maxconn (the test machine's open-file limit).
// MQTT over TLS passes through as plain MQTT does; the hubs here serve no TLS, so it is not exercised.

const documented = readFileSync(new URL('../deploy/haproxy/yiyang.cfg', import.meta.url), 'utf8');
const where = 'deploy/haproxy/yiyang.cfg';
const documentedCertificate = '/etc/haproxy/tls/care.example.cn.pem';

/** A PEM file holding the test's certificate and key, as HAProxy's `crt` wants them. */
function certificateFile(dir: string): { file: string; ca: string } {
  const pem = selfSignedCertificate();
  const ca = readFileSync(pem.cert, 'utf8');
  const file = join(dir, 'hub.pem');
  writeFileSync(file, ca + readFileSync(pem.key, 'utf8'));
  return { file, ca };
}

describe('deploy/haproxy/yiyang.cfg in front of two hubs', () => {
  let dir: string;
  let certificate: string;
  let ca: string;
  let hubs: [HubProcess, HubProcess];
  let haproxy: ChildProcess;
  let output = '';
  let ports: { http: number; https: number; mqtt: number; mqtts: number };
  const https = (path: string, headers: Record<string, string> = {}) =>
    singleRequest(`https://127.0.0.1:${ports.https}${path}`, { ca, headers });

  beforeAll(async () => {
    const program = haproxyPath();
    dir = tempDir('yiyang-haproxy-');
    ({ file: certificate, ca } = certificateFile(dir));
    hubs = [await HubProcess.start(), await HubProcess.start()];
    ports = {
      http: await freePort(),
      https: await freePort(),
      mqtt: await freePort(),
      mqtts: await freePort(),
    };
    let config = documented;
    const swap = (from: string, to: string) => {
      config = replaceOnce(config, from, to, where);
    };
    swap('    user haproxy\n    group haproxy\n', '');
    // Two connections per maxconn take open files: more than a test machine may have.
    swap('maxconn 200000', 'maxconn 1000');
    swap('bind :1883', `bind 127.0.0.1:${ports.mqtt}`);
    swap('bind :8883', `bind 127.0.0.1:${ports.mqtts}`);
    swap('bind :80\n', `bind 127.0.0.1:${ports.http}\n`);
    swap(
      `bind :443 ssl crt ${documentedCertificate}`,
      `bind 127.0.0.1:${ports.https} ssl crt ${certificate}`,
    );
    for (const [hub, ip] of [
      [hubs[0], '10.0.0.11'],
      [hubs[1], '10.0.0.12'],
    ] as const) {
      swap(`${ip}:1883 check port 8080`, `127.0.0.1:${hub.mqttPort} check port ${hub.httpPort}`);
      swap(`${ip}:8883 check port 8080`, `127.0.0.1:${hub.mqttPort} check port ${hub.httpPort}`);
      swap(`${ip}:8080`, `127.0.0.1:${hub.httpPort}`);
    }
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    haproxy = spawn(program, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    haproxy.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const up = await until(
      () => https('/healthz').catch(() => undefined),
      (answer) => answer?.status === 200,
      10_000,
    );
    if (up?.status !== 200) throw new Error(`haproxy did not answer /healthz over HTTPS in 10 s:\n${output}`);
  }, 120_000);
  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    await Promise.all((hubs ?? []).map((hub) => hub?.kill()));
  });

  it('[HAPROXY-CONFIG] haproxy -c accepts the file with only the certificate made real', () => {
    const file = join(dir, 'checked.cfg');
    writeFileSync(file, replaceOnce(documented, documentedCertificate, certificate, where));
    const said = execFileSync(haproxyPath(), ['-c', '-f', file], { encoding: 'utf8', stdio: 'pipe' });
    expect(said).toContain('Configuration file is valid');
  });

  it('[HAPROXY-HTTP] HTTPS reaches a hub, a browser stays on the hub of its cookie, plain HTTP goes to HTTPS', async () => {
    const first = await https('/readyz');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'ready' });
    expect(String(first.headers['set-cookie'])).toMatch(/^yiyang_hub=[ab]; .*HttpOnly/i);
    // socket.io's long-polling needs every request of a session on one hub: the cookie keeps it there.
    for (const [cookie, hub] of [
      ['a', hubs[0]],
      ['b', hubs[1]],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const answer = await https('/healthz', { cookie: `yiyang_hub=${cookie}` });
        expect(JSON.parse(answer.body)).toEqual({ status: 'ok', pid: hub.pid });
      }
    }
    const plain = await singleRequest(`http://127.0.0.1:${ports.http}/api/v1/alerts`);
    expect(plain.status).toBe(301);
    // The same host (a browser sends no :80, so none is kept), the same path, over HTTPS.
    expect(plain.headers.location).toBe(`https://127.0.0.1:${ports.http}/api/v1/alerts`);
    // /metrics is for the scraper's address only: HAProxy's own refusal, not the hub's JSON.
    const metrics = await https('/metrics');
    expect(metrics.status).toBe(403);
    expect(metrics.body).toContain('403 Forbidden');
  });

  it('[HAPROXY-MQTT] an MQTT CONNECT passes through to a hub, which answers it', async () => {
    const device = 'w-through-haproxy';
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, deviceLogin(device, 'no-such-secret')),
    ).rejects.toThrow(/Bad username or password|Not authorized/);
    const refused = async () =>
      hubs.flatMap((hub) => hub.logs((line) => line.msg === 'connect refused' && line.device === device));
    // The CONNACK came from a hub, not from HAProxy: exactly one of them refused the device.
    expect(await until(refused, (lines) => lines.length > 0, 5000)).toHaveLength(1);
  });

  it('[HAPROXY-FAILOVER] a hub that dies is taken out: its browsers and devices go to the other', async () => {
    await hubs[1].kill();
    const moved = await until(
      () => https('/healthz', { cookie: 'yiyang_hub=b' }).catch(() => undefined),
      (answer) => answer?.status === 200,
      10_000,
    );
    expect(moved && JSON.parse(moved.body)).toEqual({ status: 'ok', pid: hubs[0].pid });
    // The health check (/readyz every 2 s, 2 failures) marked it down: devices go to the live one only.
    await until(
      async () => output,
      (log) => /Server hubs_mqtt\/hub-b is DOWN/.test(log),
      10_000,
    );
    expect(output).toMatch(/Server hubs_mqtt\/hub-b is DOWN/);
    for (let i = 0; i < 3; i++) {
      const device = `w-after-failover-${i}`;
      await expect(
        mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, deviceLogin(device, 'no-such-secret')),
      ).rejects.toThrow(/Bad username or password|Not authorized/);
      await until(
        async () => hubs[0].logs((line) => line.msg === 'connect refused' && line.device === device),
        (lines) => lines.length === 1,
        5000,
      );
      expect(hubs[0].logs((line) => line.device === device)).toHaveLength(1);
    }
  });
});
