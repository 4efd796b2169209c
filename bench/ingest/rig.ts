/** The ingest load rig: the load processes, the watches they connect to a broker, and their telemetry streams. */
import type { LoadProcess, StreamReply } from '../lib/load.js';
import { deal } from '../lib/load.js';
import { log } from '../lib/processes.js';
import type { Broker } from './brokers.js';
import { secret, sosEvery } from './settings.js';

export interface Rig {
  loads: LoadProcess[];
  ids: string[];
  payloadRest: string;
  /** Clients connected (to the current broker) so far: the first `connected` of `ids`. */
  connected: number;
  /** Of those, how many have sent telemetry already (their first readings cost the hub more). */
  streamed: number;
  connectFailures: number;
  connectErrors: string[];
}

/** A rig with nothing connected yet. */
export function openRig(loads: LoadProcess[], ids: string[], payloadRest: string): Rig {
  return { loads, ids, payloadRest, connected: 0, streamed: 0, connectFailures: 0, connectErrors: [] };
}

/** The watches among the first `fleet` that send events: every `sosEvery`-th. */
export function eventWatches(rig: Rig, fleet: number): string[] {
  return rig.ids.slice(0, fleet).filter((_, i) => (i + 1) % sosEvery === 0);
}

/** Connects the next devices up to `fleet`, split evenly: load process k holds ids k, k+2, k+4… */
export async function grow(rig: Rig, broker: Broker, fleet: number): Promise<boolean> {
  if (fleet <= rig.connected) return false;
  const fresh = rig.ids.slice(rig.connected, fleet);
  const t0 = Date.now();
  const replies = await Promise.all(
    deal(fresh, rig.loads.length).map((hand, k) =>
      rig.loads[k]!.connect({
        url: broker.url,
        clients: hand.map((id) => (broker.anonymous ? { id } : { id, secret })),
        connectTimeoutMs: 60_000,
      }),
    ),
  );
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  const errors = replies.flatMap((r) => r.errors);
  rig.connectFailures += failed;
  rig.connectErrors.push(...errors.slice(0, Math.max(0, 5 - rig.connectErrors.length)));
  rig.connected = fleet;
  log(
    `${broker.name}: ${fleet} connected (+${fresh.length} in ${Date.now() - t0} ms, ${failed} failed${failed ? `: ${errors[0]}` : ''})`,
  );
  return true;
}

export function streamAll(
  rig: Rig,
  fleet: number,
  ratePerWatch: number,
  startAt: number,
  seconds: number,
  events?: { clientIds: string[]; idPrefix: string; type?: string },
): Promise<StreamReply[]> {
  rig.streamed = Math.max(rig.streamed, fleet);
  return Promise.all(
    rig.loads.map((load) =>
      load.stream({
        clients: Math.ceil(fleet / rig.loads.length),
        ratePerClient: ratePerWatch,
        startAt,
        seconds,
        telemetryRest: rig.payloadRest,
        events: events && { ...events, perClient: 1, ackTimeoutMs: 60_000 },
      }),
    ),
  );
}
