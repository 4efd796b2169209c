/** The fleet rig: the hub, the load processes holding the homes' devices, the console, and who sent events. */
import type { HubProcess } from '../lib/hub-process.js';
import type { Credentials, LoadProcess } from '../lib/load.js';
import { log, sleep } from '../lib/processes.js';
import { round, rssMiB, seeded } from '../lib/stats.js';
import type { StoreReader } from '../lib/store-reader.js';
import { type Console, openConsole } from './console.js';
import { home } from './homes.js';
import { devicesPerHome, secret, settleMs, specialist } from './settings.js';

export interface Rig {
  hub: HubProcess;
  dataDir: string;
  /** The hub's store, read for where events went. */
  store: StoreReader;
  /** Outside engines the hub uses (none on SQLite), measured beside it: each server's process (and its children). */
  engines: Array<{ name: string; pid: number }>;
  watchRest: string;
  radarRest: string;
  loads: LoadProcess[];
  console: Console;
  /** Homes connected (all three devices), the first `connected` of them. */
  connected: number;
  connect: { seconds: number; failed: number; refused: number; errors: string[] }[];
  /** Homes whose watch (door) already sent an event: each event comes from a device that has not. */
  used: { watch: Set<number>; door: Set<number> };
  /** Seeded: the same devices send events in every run. */
  random: () => number;
  /** The hub idle, before any device connected. */
  idleRssMiB: number;
}

/** A rig with no home connected yet: the specialist's console opened on the hub, the hub's idle RSS taken now. */
export async function openRig(
  parts: Pick<Rig, 'hub' | 'loads' | 'dataDir' | 'store' | 'engines' | 'watchRest' | 'radarRest'>,
): Promise<Rig> {
  return {
    ...parts,
    console: await openConsole(parts.hub, specialist),
    connected: 0,
    connect: [],
    used: { watch: new Set(), door: new Set() },
    random: seeded(11),
    idleRssMiB: rssMiB(parts.hub.pids()),
  };
}

/** Connects homes up to `homes` (home i on load process i mod 2), paced, retrying as devices do. */
export async function grow(rig: Rig, homes: number): Promise<void> {
  if (homes <= rig.connected) return;
  const n = rig.loads.length;
  const fresh = Array.from({ length: homes - rig.connected }, (_, j) => rig.connected + j);
  const t0 = Date.now();
  const replies = await Promise.all(
    rig.loads.map((load, k) =>
      load.connect({
        url: rig.hub.mqttUrl,
        clients: fresh
          .filter((i) => i % n === k)
          .flatMap((i): Credentials[] => Object.values(home(i)).map((id) => ({ id, secret }))),
        connectTimeoutMs: 60_000,
        retry: { baseMs: 500, maxMs: 8_000 },
        perSecond: 1_500,
      }),
    ),
  );
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  const refused = replies.reduce((n, r) => n + r.refused, 0);
  const errors = replies.flatMap((r) => r.errors).slice(0, 5);
  rig.connect.push({ seconds: round((Date.now() - t0) / 1000, 1), failed, refused, errors });
  rig.connected = homes;
  log(
    `${homes} homes connected (+${fresh.length * devicesPerHome} devices in ${Date.now() - t0} ms, ` +
      `${refused} CONNACK 3 retried, ${failed} failed${failed ? `: ${errors[0]}` : ''})`,
  );
  await sleep(settleMs);
}

/**
 * Picks `count` random devices among the first `homes` homes that have not sent an event yet (so that each SOS
 * opens its own alert), dealt to the load process that holds them (home i: process i mod n).
 */
export function pickEventDevices(rig: Rig, homes: number, count: number, kind: 'watch' | 'door'): string[][] {
  const used = rig.used[kind];
  const hands: string[][] = Array.from({ length: rig.loads.length }, () => []);
  for (let picked = 0, tries = 0; picked < count && tries < 50 * count; tries++) {
    const i = Math.floor(rig.random() * homes);
    if (used.has(i)) continue;
    used.add(i);
    picked++;
    hands[i % rig.loads.length]!.push(home(i)[kind]);
  }
  return hands;
}
