/** The hub's part of the run: its memory per device, its ladder, then the overload and recovery. */
import { startHubProcess } from '../lib/hub-process.js';
import type { LoadProcess } from '../lib/load.js';
import { log, sleep } from '../lib/processes.js';
import { hubBroker } from './brokers.js';
import { type Ladder, ladder } from './ladder.js';
import { type HubMemory, measureMemory } from './memory.js';
import { type Overload, overload, sosSplit } from './overload.js';
import type { Recovery } from './recovery.js';
import { openRig } from './rig.js';
import { hubSettleMs } from './settings.js';
import type { ShedCost } from './shed-cost.js';
import { type SteadyRate, steadyRate } from './steady.js';

export interface HubPhase {
  ladder: Ladder;
  /** The rate the overload doubles and the recovery runs at: taken whole for the recovery's length. */
  steady: SteadyRate;
  memory: HubMemory;
  overload: Overload;
  /** Measured on a second hub after this one (bench/ingest/shed-cost.ts). */
  shedCost?: ShedCost;
  sosAlertsOpened: number;
  /** Messages the hub dropped as invalid: must stay 0 (the load sends valid telemetry). */
  rejected: number;
  connect: { failures: number; errors: string[] };
}

export async function measureHub(options: {
  dataDir: string;
  openFiles: number;
  loads: LoadProcess[];
  /** The SOS watches' own load process during the overload. */
  sosLoad: LoadProcess;
  ids: string[];
  payloadRest: string;
}): Promise<HubPhase> {
  const { dataDir, openFiles, loads } = options;
  // Every watch connects for the first time at once; their secrets are hub-issued (no slow hash to ration).
  const hub = await startHubProcess({ dataDir, openFiles, startTimeoutMs: 60_000 });
  const rig = openRig(loads, options.ids, options.payloadRest);
  let phase: HubPhase;
  try {
    await sleep(5_000); // the inference pool's workers, the first health sweep
    const broker = hubBroker(hub);
    const memory = await measureMemory(rig, hub, broker);
    await sleep(hubSettleMs);
    const hubLadder = await ladder(rig, broker);
    // Let the shedder and any backlog of the failed step settle before the overload.
    await sleep(hubSettleMs);
    const steady = await steadyRate(rig, broker, hubLadder);
    await sleep(hubSettleMs);
    const over = await overload(rig, hub, steady.rate, options.sosLoad);
    phase = {
      ladder: hubLadder,
      steady,
      memory,
      overload: over,
      sosAlertsOpened: await hub.metric('yiyang_alerts_opened_total{kind="sos"}'),
      rejected: await hub.metric('yiyang_mqtt_rejected_total'),
      connect: { failures: rig.connectFailures, errors: rig.connectErrors },
    };
    await Promise.all(loads.map((load) => load.end()));
  } finally {
    await hub.stop();
  }
  const over = phase.overload;
  // one read of the stored SOS events: how many, and when each was received
  over.events.split = sosSplit(dataDir, over.events);
  over.events.stored = over.events.split.stored;
  log(
    `overload: SOS ${over.events.sent} sent, ${over.events.acked} PUBACKed, ${over.events.stored} stored; ` +
      `${over.shedSharePercentDuring} % telemetry shed, peak RSS ${over.hubPeakRssMiB} MiB, ` +
      `${recoveryLine(over.recovery)}, caught up ${over.recovery.caughtUpAfterS === undefined ? 'not within the run' : `${over.recovery.caughtUpAfterS} s after`}`,
  );
  return phase;
}

/** When shedding stopped after the overload, in words that hold whichever way the run went. */
function recoveryLine(r: Recovery): string {
  if (r.firstCalmAfterS === undefined) return `still shedding at the end of the ${r.seconds}-s recovery run`;
  return (
    `no shed from ${r.firstCalmAfterS} s after (last ${r.lastShedAfterS} s, ` +
    `${r.relapseShedPercent} % in between${r.stillShedding ? ', shedding again at the end' : ''})`
  );
}
