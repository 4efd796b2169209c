/**
 * Ingest of watch telemetry (1 message/s carrying 25 Hz acceleration, ~1.2 KB of JSON), in one run:
 *
 * 1. the largest fleet each of (a) the hub — authenticates, validates, fills hot windows, feeds the
 *    inference pool, rolls up (no InfluxDB configured) — and (b) mosquitto relaying the same messages to
 *    a subscriber sustains with ≤ 1 % lost or shed, open loop (paced as devices send, not a flood);
 * 2. the hub's RSS per device at 10,000 devices, connected but silent and then streaming;
 * 3. the hub at twice its sustainable rate with SOS events (QoS 1) from every 100th device: events
 *    sent, PUBACKed and stored, telemetry shed, peak RSS, and recovery at the sustainable rate;
 * 4. what a shed message costs: a second hub capped at 1 telemetry message a second, the same load.
 *
 * Brokers on core 0; two load processes (mqtt.js connections; telemetry written as ready-made QoS 0
 * PUBLISH packets) and mosquitto's counting subscriber on core 1.
 *
 * The parts live in bench/ingest/: the knobs (settings), the brokers and the rig that connects and streams,
 * a measured step and the ladder of them, the memory run, the overload and its recovery, and the report.
 */

import { hashIssuedSecret } from '../kernel/secret-hash.js';
import { measureHub } from './ingest/hub-phase.js';
import { measureMosquitto } from './ingest/mosquitto-phase.js';
import { ingestReport } from './ingest/report.js';
import { loadCount, maxFleet, secret } from './ingest/settings.js';
import { measureShedCost } from './ingest/shed-cost.js';
import { tempDataDir } from './lib/hub-process.js';
import { LoadProcess } from './lib/load.js';
import { log, pinSelf } from './lib/processes.js';
import { runBench } from './lib/result.js';
import { seedWatches } from './lib/seed.js';
import { messageBytes, watchTelemetryRest } from './lib/telemetry.js';

runBench('ingest', async () => {
  pinSelf(1);
  const ids = Array.from({ length: maxFleet }, (_, i) => `w-${String(i + 1).padStart(5, '0')}`);
  const dataDir = tempDataDir();
  const secretHash = hashIssuedSecret(secret);
  await seedWatches(
    dataDir,
    ids.map((id) => ({ id, secretHash })),
  );
  const openFiles = maxFleet + 4096;
  const loads = await LoadProcess.startMany(loadCount, {
    openFiles: Math.ceil(maxFleet / loadCount) + 4096,
    maxLifetimeMs: 20 * 60_000,
  });
  const sosLoad = await LoadProcess.start({ openFiles: 4096, maxLifetimeMs: 20 * 60_000 });
  const payloadRest = watchTelemetryRest();
  const payloadBytes = messageBytes(payloadRest);
  log(`seeded ${maxFleet} watches; telemetry ${payloadBytes} bytes`);

  const hub = await measureHub({ dataDir, openFiles, loads, sosLoad, ids, payloadRest });
  hub.shedCost = await measureShedCost({
    dataDir,
    openFiles,
    loads,
    ids,
    payloadRest,
    fleet: hub.overload.fleet,
    ratePerWatch: hub.overload.ratePerWatch,
  });
  const best = hub.ladder.best;
  try {
    const mosquitto = await measureMosquitto({
      openFiles,
      loads,
      ids,
      payloadRest,
      hubBest: best && { fleet: best.fleet, rate: best.ratePerWatch },
    });
    return ingestReport(hub, mosquitto, payloadBytes);
  } finally {
    await Promise.all([...loads, sosLoad].map((l) => l.stop()));
  }
});
