/**
 * What one shed message costs the hub: a hub told to handle at most one telemetry message a second
 * (`TELEMETRY_MAX_PER_S=1`, so all but a few are shed as under overload), the overload's watches streaming
 * at the overload's rate; the hub's CPU while they stream, less its CPU while they are connected and
 * silent, per message shed. Reading the socket, framing, counting and marking the device heard are in it.
 */
import { startHubProcess } from '../lib/hub-process.js';
import type { LoadProcess } from '../lib/load.js';
import { log, sleep } from '../lib/processes.js';
import { cpuMeter, round } from '../lib/stats.js';
import { hubBroker } from './brokers.js';
import { grow, openRig, streamAll } from './rig.js';
import { hubSettleMs } from './settings.js';

export interface ShedCost {
  fleet: number;
  ratePerWatch: number;
  seconds: number;
  received: number;
  shed: number;
  /** Cores the hub kept busy with the watches connected and silent, then streaming. */
  idleCpu: number;
  streamingCpu: number;
  /** (streaming − idle) CPU per message shed, and the hub's whole CPU per message shed. */
  microsPerShed: number;
  microsPerShedGross: number;
}

const idleSeconds = 3;
const streamSeconds = 10;

export async function measureShedCost(options: {
  dataDir: string;
  openFiles: number;
  loads: LoadProcess[];
  ids: string[];
  payloadRest: string;
  fleet: number;
  ratePerWatch: number;
}): Promise<ShedCost> {
  const { fleet, ratePerWatch } = options;
  const hub = await startHubProcess({
    dataDir: options.dataDir,
    openFiles: options.openFiles,
    startTimeoutMs: 60_000,
    env: { TELEMETRY_MAX_PER_S: '1' },
  });
  try {
    const broker = hubBroker(hub);
    const rig = openRig(options.loads, options.ids, options.payloadRest);
    await grow(rig, broker, fleet);
    await sleep(hubSettleMs);
    const idle = cpuMeter(hub.pid);
    await sleep(idleSeconds * 1000);
    const idleCpu = idle();
    const before = await broker.counts();
    const [streaming, from] = [cpuMeter(hub.pid), performance.now()];
    await streamAll(rig, fleet, ratePerWatch, Date.now() + 100, streamSeconds);
    const [streamingCpu, span] = [streaming(), (performance.now() - from) / 1000];
    await sleep(500);
    const after = await broker.counts();
    await Promise.all(options.loads.map((load) => load.end()));
    const [received, shed] = [after.received - before.received, after.shed - before.shed];
    // cores × the meter's span (the stream and the replies' round trip) = CPU seconds
    const perShed = (cores: number) => round((cores * span * 1e6) / Math.max(1, shed), 2);
    const cost: ShedCost = {
      fleet,
      ratePerWatch,
      seconds: streamSeconds,
      received,
      shed,
      idleCpu,
      streamingCpu,
      microsPerShed: perShed(Math.max(0, streamingCpu - idleCpu)),
      microsPerShedGross: perShed(streamingCpu),
    };
    log(
      `shed cost: ${fleet} watches × ${ratePerWatch}/s for ${streamSeconds} s, ${shed} of ${received} shed, ` +
        `hub cpu ${idleCpu} idle, ${streamingCpu} streaming: ${cost.microsPerShed} µs per shed message ` +
        `(${cost.microsPerShedGross} µs with the idle hub's own)`,
    );
    return cost;
  } finally {
    await hub.stop();
  }
}
