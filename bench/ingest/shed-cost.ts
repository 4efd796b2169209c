/**
 * What one shed message costs the hub: a hub told to handle at most one telemetry message a second
 * (`TELEMETRY_MAX_PER_S=1`, so all but a few are shed as under overload), the overload's watches streaming
 * at the overload's rate; the hub's CPU while they stream, less its CPU while they are connected and
 * silent, per message shed. Reading the socket, framing, counting and marking the device heard are in it.
 * Side by side, the same load on a bare Node server that reads and discards (`read-floor.ts`): what
 * reading a socket costs at all here, which no broker can go under; and on the same server written in C
 * (`read-floor.c`): what the kernel's part of that read costs, which nothing can go under.
 */

import { startHubProcess } from '../lib/hub-process.js';
import type { LoadProcess } from '../lib/load.js';
import { streamTotal } from '../lib/load.js';
import { log, sleep } from '../lib/processes.js';
import { type ReadFloor, startNativeReadFloor, startReadFloor } from '../lib/read-floor.js';
import { cpuMeter, round } from '../lib/stats.js';
import type { Broker } from './brokers.js';
import { hubBroker } from './brokers.js';
import { grow, openRig, streamAll } from './rig.js';
import { hubSettleMs } from './settings.js';

export interface StreamCost {
  sent: number;
  /** Cores kept busy with the watches connected and silent, then streaming. */
  idleCpu: number;
  streamingCpu: number;
  /** (streaming − idle) CPU per message sent, and the whole CPU per message sent. */
  microsPerMessage: number;
  microsPerMessageGross: number;
}

export interface ShedCost {
  fleet: number;
  ratePerWatch: number;
  seconds: number;
  hub: StreamCost & { received: number; shed: number };
  readFloor: StreamCost;
  /** Undefined when the machine has no C compiler (or it failed). */
  nativeReadFloor?: StreamCost;
}

const idleSeconds = 3;
const streamSeconds = 10;

interface Options {
  openFiles: number;
  loads: LoadProcess[];
  ids: string[];
  payloadRest: string;
  fleet: number;
  ratePerWatch: number;
}

export async function measureShedCost(options: Options & { dataDir: string }): Promise<ShedCost> {
  const { fleet, ratePerWatch } = options;
  const hub = await startHubProcess({
    dataDir: options.dataDir,
    openFiles: options.openFiles,
    startTimeoutMs: 60_000,
    env: { TELEMETRY_MAX_PER_S: '1' },
  });
  let onHub: ShedCost['hub'];
  try {
    const broker = hubBroker(hub);
    const before = await broker.counts();
    const cost = await streamCost(options, broker);
    const after = await broker.counts();
    const [received, shed] = [after.received - before.received, after.shed - before.shed];
    onHub = { ...cost, received, shed };
  } finally {
    await hub.stop();
  }
  const readFloor = await floorCost(
    options,
    'read floor',
    await startReadFloor({ openFiles: options.openFiles }),
  );
  const native = await startNativeReadFloor({ openFiles: options.openFiles });
  const nativeReadFloor = native && (await floorCost(options, 'read floor in C', native));
  log(
    `shed cost: ${fleet} watches × ${ratePerWatch}/s for ${streamSeconds} s, ${onHub.shed} of ${onHub.received} shed: ` +
      `${onHub.microsPerMessage} µs per shed message (hub cpu ${onHub.idleCpu} idle, ${onHub.streamingCpu} streaming); ` +
      `a bare server reading and discarding: ${readFloor.microsPerMessage} µs per message` +
      (nativeReadFloor
        ? `, in C: ${nativeReadFloor.microsPerMessage} µs`
        : ' (no C floor: cc missing or failed)'),
  );
  return { fleet, ratePerWatch, seconds: streamSeconds, hub: onHub, readFloor, nativeReadFloor };
}

/** The fleet streaming to a floor server, which is stopped after it. */
async function floorCost(options: Options, name: Broker['name'], floor: ReadFloor): Promise<StreamCost> {
  try {
    return await streamCost(options, {
      name,
      url: floor.url,
      anonymous: true,
      pid: floor.pid,
      loadSidePids: [],
      counts: async () => ({ received: 0, shed: 0, handled: 0 }),
    });
  } finally {
    await floor.stop();
  }
}

/** Connects the fleet to `broker`, meters it connected and silent, then streaming; disconnects. */
async function streamCost(options: Options, broker: Broker): Promise<StreamCost> {
  const { fleet, ratePerWatch } = options;
  const rig = openRig(options.loads, options.ids, options.payloadRest);
  try {
    await grow(rig, broker, fleet);
    await sleep(hubSettleMs);
    const idle = cpuMeter(broker.pid);
    await sleep(idleSeconds * 1000);
    const idleCpu = idle();
    const [streaming, from] = [cpuMeter(broker.pid), performance.now()];
    const replies = await streamAll(rig, fleet, ratePerWatch, Date.now() + 100, streamSeconds);
    const [streamingCpu, span] = [streaming(), (performance.now() - from) / 1000];
    const sent = streamTotal(replies, 'sent');
    // cores × the meter's span (the stream and the replies' round trip) = CPU seconds
    const perMessage = (cores: number) => round((cores * span * 1e6) / Math.max(1, sent), 2);
    return {
      sent,
      idleCpu,
      streamingCpu,
      microsPerMessage: perMessage(Math.max(0, streamingCpu - idleCpu)),
      microsPerMessageGross: perMessage(streamingCpu),
    };
  } finally {
    await Promise.all(options.loads.map((load) => load.end()));
  }
}
