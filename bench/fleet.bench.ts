/**
 * The full pipeline at growing fleets of homes: each home a watch streaming 25 Hz acceleration once a second,
 * a fall radar every 5 s and a door contact (an event now and then), all over MQTT into one hub (core 0: gateway,
 * ingest, inference pool, rollups, health, alerts, dispatch, console). SOS events (QoS 1) from random watches
 * at a low rate are timed from their publish to a specialist's console socket (socket.io, `/console`), and
 * looked up in the store. The headline: the largest fleet sustained with no event lost, SOS → console p99
 * under 200 ms and ≤ 1 % of telemetry shed or unread. Then 2× that fleet's rate: events all delivered,
 * telemetry shed and counted, peak RSS.
 *
 * Load processes (2, core 1) hold the devices; the console client runs in this process (core 1).
 * A process may hold 20,000 open files here (hard limit), so the hub holds at most ~6,000 homes of three
 * connections: fleets past `maxConnectedHomes` are *home-equivalents*, the connected homes each sending
 * fleet / connected times as often (same messages and samples per second, fewer connections).
 *
 * The parts live in bench/fleet/: the knobs (settings), the homes, the console, the rig that connects them,
 * a measured window (its streams, where its events went, its verdict), the ladder of fleets, the overload and
 * the report.
 */
import { openConsole } from './fleet/console.js';
import { seedFleet } from './fleet/homes.js';
import { climb } from './fleet/ladder.js';
import { measureOverload } from './fleet/overload.js';
import { fleetReport } from './fleet/report.js';
import type { Rig } from './fleet/rig.js';
import { devicesPerHome, fleets, loadCount, maxConnectedHomes, specialist } from './fleet/settings.js';
import { startHubProcess, tempDataDir } from './lib/hub-process.js';
import { LoadProcess } from './lib/load.js';
import { log, pinSelf, sleep } from './lib/processes.js';
import { runBench } from './lib/result.js';
import { memoryMiB, seeded } from './lib/stats.js';
import { sqliteReader } from './lib/store-reader.js';
import { messageBytes, radarTelemetryRest, watchTelemetryRest } from './lib/telemetry.js';

runBench('fleet', async () => {
  pinSelf(1);
  // Enough homes for the overload at twice the largest fleet, if it is sustained.
  const maxHomes = Math.min(2 * Math.max(...fleets), maxConnectedHomes);
  const dataDir = tempDataDir();
  await seedFleet(dataDir, maxHomes);
  const [watchRest, radarRest] = [watchTelemetryRest(), radarTelemetryRest()];
  log(
    `seeded ${maxHomes} homes (${maxHomes * devicesPerHome} devices); watch telemetry ${messageBytes(watchRest)} bytes, ` +
      `radar ${messageBytes(radarRest)} bytes`,
  );
  const connections = maxHomes * devicesPerHome;
  const hub = await startHubProcess({
    dataDir,
    openFiles: connections + 3_000,
    startTimeoutMs: 60_000,
  });
  const loads = await LoadProcess.startMany(loadCount, {
    openFiles: Math.ceil(connections / loadCount) + 2_000,
    maxLifetimeMs: 15 * 60_000,
  });
  try {
    await sleep(3_000); // the inference pool's workers, the first health sweep
    const rig: Rig = {
      hub,
      loads,
      console: await openConsole(hub, specialist),
      connected: 0,
      connect: [],
      used: { watch: new Set(), door: new Set() },
      random: seeded(11),
      idleRssMiB: memoryMiB(hub.pid).rss,
      dataDir,
      store: sqliteReader(dataDir),
      engines: [],
      watchRest,
      radarRest,
    };
    log(`hub pid ${hub.pid}: idle RSS ${rig.idleRssMiB} MiB; specialist console connected`);
    const ladder = await climb(rig);
    const overload = await measureOverload(rig, ladder.windows);
    await Promise.all(loads.map((load) => load.end()));
    rig.console.socket.close();
    return fleetReport(ladder, overload, rig, messageBytes(watchRest));
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await hub.stop();
  }
});
