import { seedFleet } from './fleet/homes.js';
import { climb } from './fleet/ladder.js';
import { measureOverload } from './fleet/overload.js';
import { fleetReport } from './fleet/report.js';
import { openRig } from './fleet/rig.js';
import { devicesPerHome, fleets, loadCount, maxConnectedHomes } from './fleet/settings.js';
import { startHubProcess, tempDataDir } from './lib/hub-process.js';
import { LoadProcess } from './lib/load.js';
import { log, pinSelf, sleep } from './lib/processes.js';
import { runBench } from './lib/result.js';
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
    const rig = await openRig({
      hub,
      loads,
      dataDir,
      store: sqliteReader(dataDir),
      engines: [],
      watchRest,
      radarRest,
    });
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
