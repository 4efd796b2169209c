import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemdAnalyzePath } from './support/deploy-programs.js';
import { startNodeFlags } from './support/start-command.js';

// The release as a district IT team gets it (docs/deploy.md): `npm run release`'s tarball,
// unpacked into an empty folder, `npm ci --omit=dev`, `npm start`. Built into a folder of its
// own, so the checkout's dist/ and console/dist/ (which other tests serve) are not touched.

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'yiyang-release-'));
const installed = join(work, 'installed');
const dataDir = join(work, 'data');
const adminPassword = 'release-admin-password-1';
/** Production hubs hash at full cost; a test sign-in need not wait for it. */
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  PORT: '0',
  MQTT_PORT: '0',
  ADMIN_PASSWORD: adminPassword,
  PASSWORD_SCRYPT_N: '1024',
  LOG_LEVEL: 'info',
};

interface RunningHub {
  process: ChildProcess;
  http: number;
  /** Milliseconds from spawn to /healthz answering 200. */
  startMs: number;
}
const running: ChildProcess[] = [];

/** Starts the installed hub (`command` in the install folder) and waits for /healthz ok. */
async function startInstalled(command: string, args: string[]): Promise<RunningHub> {
  const started = Date.now();
  // Its own process group: `npm start` is npm, then node; a signal must reach the hub.
  const child = spawn(command, args, {
    cwd: installed,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let log = '';
  const http = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "hub started" in 30 s:\n${log}`)), 30_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      const port = /"http":(\d+)[^\n]*"hub started"/.exec(log);
      if (port) {
        clearTimeout(timer);
        resolve(Number(port[1]));
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the hub exited (${code}) before it started:\n${log}`)));
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${http}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('/healthz not ok 10 s after "hub started"');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { process: child, http, startMs: Date.now() - started };
}

/** SIGTERM to the hub's process group; resolves with how it ended (fails after 25 s). */
function stopInstalled(hub: RunningHub): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the hub did not stop within 25 s of SIGTERM')), 25_000);
    hub.process.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
    process.kill(-hub.process.pid!, 'SIGTERM');
  });
}

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts/release.mjs'), '--out', work], {
    cwd: root,
    stdio: 'pipe',
  });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`scripts/release.mjs wrote no tarball into ${work}`);
  mkdirSync(installed);
  execFileSync('tar', ['-xzf', join(work, tarball), '--strip-components=1', '-C', installed]);
  // From npm's cache (filled by the checkout's own `npm ci`); better-sqlite3 may compile here —
  // against the headers of the Node that runs these tests when it ships them, whatever an npmrc's
  // `nodedir` says (a machine's npmrc may point at another Node's: its module would not load).
  const ownHeaders = dirname(dirname(process.execPath));
  execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: installed,
    stdio: 'pipe',
    env: {
      ...process.env,
      ...(existsSync(join(ownHeaders, 'include/node/node.h')) ? { npm_config_nodedir: ownHeaders } : {}),
      ...checkoutPrebuild(),
    },
  });
}, 300_000);

/**
 * The checkout's own better-sqlite3 binary (same version, same Node: its `npm ci` compiled it, this
 * machine reaching no prebuilt downloads) offered to the release's install as a local prebuild, the
 * way better-sqlite3's install script (prebuild-install) looks for one: its install runs as at a
 * district, without compiling the same C++ a second time (~1.5 min of a 2-core suite). A version
 * or platform the name does not match falls back to the compile.
 */
function checkoutPrebuild(): Record<string, string> {
  const module = join(root, 'node_modules/better-sqlite3');
  if (!existsSync(join(module, 'build/Release/better_sqlite3.node'))) return {};
  const { version } = JSON.parse(readFileSync(join(module, 'package.json'), 'utf8')) as { version: string };
  const prebuilds = join(work, 'prebuilds');
  mkdirSync(prebuilds, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(prebuilds, name), '-C', module, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

afterAll(() => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
});

describe('the release', () => {
  it('[RELEASE-CONTENTS] holds the built hub and no sources or build tools', () => {
    expect(existsSync(join(installed, 'dist/.built'))).toBe(true);
    expect(existsSync(join(installed, 'dist/hub/main.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist/console/dist/index.html'))).toBe(true);
    expect(existsSync(join(installed, 'deploy/systemd/yiyang.service'))).toBe(true);
    expect(existsSync(join(installed, 'hub'))).toBe(false);
    for (const tool of ['typescript', 'vite', 'tsx', 'vitest', 'esbuild']) {
      expect(existsSync(join(installed, 'node_modules', tool)), tool).toBe(false);
    }
  });

  it('[RELEASE-START] `npm start` runs it with production dependencies; it stops on SIGTERM and restarts in seconds', async () => {
    const first = await startInstalled('npm', ['start']);
    const ready = await fetch(`http://127.0.0.1:${first.http}/readyz`);
    expect(ready.status).toBe(200);
    const login = await fetch(`http://127.0.0.1:${first.http}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const alerts = await fetch(`http://127.0.0.1:${first.http}/api/v1/alerts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(alerts.status).toBe(200);
    const page = await fetch(`http://127.0.0.1:${first.http}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script[^>]+src="\/assets\//);
    // npm itself dies of the signal it passed on; the hub under it must be gone all the same.
    await stopInstalled(first);
    await expect(fetch(`http://127.0.0.1:${first.http}/healthz`)).rejects.toThrow();

    // As systemd restarts it: the unit's own command line (deploy/systemd/yiyang.service), node's
    // flags (those of `npm start`) and scripts/start.mjs, from the release's folder.
    const execStart = readFileSync(join(root, 'deploy/systemd/yiyang.service'), 'utf8').match(
      /^ExecStart=(\S+) (.+)$/m,
    );
    expect(execStart?.[1]).toBe('/usr/bin/node');
    const unitArgs = execStart![2]!.split(' ').map((a) => a.replace('/opt/yiyang/', ''));
    expect(startNodeFlags()).toContain('--no-memory-reducer');
    expect(unitArgs).toEqual([...startNodeFlags(), 'scripts/start.mjs']);
    const again = await startInstalled(process.execPath, unitArgs);
    console.log(
      `[RELEASE-START] start to /healthz ok: npm start ${first.startMs} ms, restart ${again.startMs} ms`,
    );
    expect((await fetch(`http://127.0.0.1:${again.http}/readyz`)).status).toBe(200);
    // Run as systemd runs it, the hub's own orderly stop ends the process with 0.
    expect(await stopInstalled(again)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('[RELEASE-TASKS] the operator tasks run from the release (no sources): timebank:reconcile', () => {
    const run = spawnSync('npm', ['run', '--silent', 'timebank:reconcile'], {
      cwd: installed,
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('reconciled');
  }, 30_000);
});

describe('the systemd unit', () => {
  const unit = join(root, 'deploy/systemd/yiyang.service');

  it('[UNIT-VERIFY] systemd-analyze finds nothing wrong in it', () => {
    const run = spawnSync(systemdAnalyzePath(), ['verify', unit], { encoding: 'utf8', cwd: work });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.trim()).toBe('');
  });

  it('[UNIT-HARDENED] its exposure, as systemd-analyze security scores it, is "OK" (≤ 2.0 of 10)', () => {
    const run = spawnSync(systemdAnalyzePath(), ['security', '--offline=yes', unit], {
      encoding: 'utf8',
      cwd: work,
    });
    const level = /Overall exposure level for yiyang\.service: ([\d.]+)/.exec(run.stdout);
    expect(level, run.stdout + run.stderr).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2);
  });
});
