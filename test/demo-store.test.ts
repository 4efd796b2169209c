import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnTsx } from '../bench/lib/processes.js';
import { demoAdminPassword } from '../hub/demo-credentials.js';
import { hashSecret } from '../kernel/secret-hash.js';
import { startTestHub } from './support/hub.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm start` on a data folder until it says it started (or 30 s): everything it logged. */
function startOnce(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Node itself, not `npx tsx`: a signal to npx leaves the hub it started running, orphaned.
    const child = spawnTsx(undefined, 'hub/main.ts', {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        MQTT_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"hub started"')) child.kill('SIGTERM');
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('a store that holds the demo login', () => {
  it('[DEMO-STORE] `npm start` on a store that accepts the demo admin password says so loudly; on another store not', async () => {
    const demoDir = mkdtempSync(join(tmpdir(), 'yiyang-demo-store-'));
    // A store whose admin still has the demo's password (as `npm run demo` leaves it).
    const demo = await startTestHub({ config: { dataDir: demoDir } });
    await demo.store.db
      .updateTable('users')
      .set({ password_hash: await hashSecret(demoAdminPassword) })
      .where('username', '=', 'admin')
      .execute();
    await demo.stop();
    const logged = await startOnce(demoDir);
    expect(logged).toContain('"hub started"');
    expect(logged).toContain('THIS STORE HOLDS THE DEMO LOGIN');

    const realDir = mkdtempSync(join(tmpdir(), 'yiyang-real-store-'));
    const real = await startTestHub({ config: { dataDir: realDir } });
    await real.stop();
    const quiet = await startOnce(realDir);
    expect(quiet).toContain('"hub started"');
    expect(quiet).not.toContain('DEMO LOGIN');
  }, 90_000);
});
