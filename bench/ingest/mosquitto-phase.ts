/** mosquitto's part of the run: the same ladder of load relayed to a counting subscriber, for comparison. */
import type { LoadProcess } from '../lib/load.js';
import { startMosquitto, startRelayCounter } from '../lib/mosquitto.js';
import { mosquittoBroker } from './brokers.js';
import { type Ladder, ladder } from './ladder.js';
import { openRig } from './rig.js';

export interface MosquittoPhase {
  ladder: Ladder;
  connect: { failures: number; errors: string[] };
}

/** Runs after the hub has stopped; `hubBest` (the hub's best step) is run too, to compare both on one load. */
export async function measureMosquitto(options: {
  openFiles: number;
  loads: LoadProcess[];
  ids: string[];
  payloadRest: string;
  hubBest?: { fleet: number; rate: number };
}): Promise<MosquittoPhase> {
  const { loads } = options;
  const mosquitto = await startMosquitto({ openFiles: options.openFiles });
  try {
    const counter = await startRelayCounter(mosquitto.port, 'care/+/telemetry', 0);
    try {
      const rig = openRig(loads, options.ids, options.payloadRest);
      const broker = mosquittoBroker(mosquitto.pid, mosquitto.url, counter);
      const mosquittoLadder = await ladder(rig, broker, options.hubBest);
      await Promise.all(loads.map((load) => load.end()));
      return {
        ladder: mosquittoLadder,
        connect: { failures: rig.connectFailures, errors: rig.connectErrors },
      };
    } finally {
      await counter.stop();
    }
  } finally {
    await mosquitto.stop();
  }
}
