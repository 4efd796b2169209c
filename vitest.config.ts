import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The files whose tests need a service (test/support/services.ts): `npm run test:unit`
 * (TEST_NO_SERVICES=1) leaves them out, and runs the store's tests on SQLite only.
 */
const needServices = [
  'test/browser/**', // Chromium
  'test/device-contract.test.ts', // mosquitto clients
  'test/tls.test.ts', // mosquitto clients
  'test/time-series.test.ts', // VictoriaMetrics
  'test/disk-full.test.ts', // root: mounts a tmpfs
  'test/prometheus-rules.test.ts', // promtool
  'test/reverse-proxy.test.ts', // nginx
  'cluster/partition-bus.test.ts', // redis-server
  'gateway/shared-broker.test.ts', // redis-server
  'kernel/redis-connections.test.ts', // redis-server
  'test/hub-processes.test.ts', // redis-server
  'test/cluster.test.ts', // redis-server
  'test/cluster-takeover.test.ts', // redis-server
  'test/cluster-stop.test.ts', // redis-server
  'test/cluster-hang.test.ts', // redis-server
  'test/cluster-app-check.test.ts', // redis-server
  'test/haproxy.test.ts', // haproxy
  'test/release.test.ts', // systemd-analyze; npm ci of the release (a C++ build of better-sqlite3)
];
const unit = process.env.TEST_NO_SERVICES === '1';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'console/dist/**', ...(unit ? needServices : [])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share real servers (PostgreSQL, the MQTT port range): files run in parallel, each on its own ports and database.
    pool: 'forks',
    // Files of one worker share its loaded modules: importing the hub's graph again for each of the
    // 143 files took 202 s of the ~1,110 s on 2 cores (2026-12-06: whole suite 1,110 s → 968 s with
    // this and the store templates of test/support/databases.ts). A test file must leave nothing
    // behind it changed (fake timers, stubbed globals, process.env): each restores its own.
    isolate: false,
    // …and a file that does not fails (test/support/leftovers.ts).
    setupFiles: ['test/support/leftovers-guard.ts'],
    globalSetup: ['test/support/console-build.ts'],
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, where the files then ran
    // one after another for ~19 min. Most of a file's time is spent waiting on servers and timers, so two
    // at once on two cores roughly halves that; the time-sensitive tests were checked at a load of 15.
    // (Three at once, 2026-12-06: 1,099 s against 1,096 s with two; no gain.)
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
