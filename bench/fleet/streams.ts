/**
 * What the load processes send in one window: the homes' telemetry (watches, radars) from its warm-up on, and
 * SOS and door events spread over its measured seconds, each from a device that has not sent one before.
 */
import type { StreamReply } from '../lib/load.js';
import { pickEventDevices, type Rig } from './rig.js';
import { doorEventsPerHomeHour, radarEverySeconds, scrapeGapMs, sosPerSecond } from './settings.js';

export interface WindowStreams {
  /** Wall-clock ms when the measured seconds start (after the warm-up). */
  t1: number;
  telemetry: Promise<StreamReply>[];
  sos: Promise<StreamReply>[];
  doors: Promise<StreamReply>[];
}

/** Starts a window's streams: `homes` (equivalents) on `connectedHomes`, each sending `factor` times as often. */
export function startStreams(
  rig: Rig,
  homes: number,
  connectedHomes: number,
  options: { warmUp: number; seconds: number; label: string },
): WindowStreams {
  const { loads } = rig;
  const factor = homes / connectedHomes;
  // Load process k holds homes k, k + n, k + 2n… in that order: its first `perLoad(k)` are among the first homes.
  const perLoad = (k: number) => Math.ceil((connectedHomes - k) / loads.length);
  const sosIds = pickEventDevices(rig, connectedHomes, Math.round(sosPerSecond * options.seconds), 'watch');
  const doorCount = Math.max(1, Math.round(((homes * doorEventsPerHomeHour) / 3600) * options.seconds));
  const doorIds = pickEventDevices(rig, connectedHomes, doorCount, 'door');
  const t0 = Date.now() + 300;
  const t1 = t0 + options.warmUp * 1000;
  const telemetry = loads.flatMap((load, k) => [
    load.stream({
      prefix: 'w-',
      clients: perLoad(k),
      ratePerClient: factor,
      startAt: t0,
      seconds: options.warmUp + options.seconds,
      telemetryRest: rig.watchRest,
    }),
    load.stream({
      prefix: 'r-',
      clients: perLoad(k),
      ratePerClient: factor / radarEverySeconds,
      startAt: t0,
      seconds: options.warmUp + options.seconds,
      telemetryRest: rig.radarRest,
    }),
  ]);
  // Each load process sends its events evenly spaced over the measured seconds, the processes interleaved, none
  // within `scrapeGapMs` of a /metrics scrape (one blocks the hub's loop for ~2 ms per 1,000 connections).
  const eventsMs = options.seconds * 1000 - 2 * scrapeGapMs;
  const events = (ids: string[][], type: string, idPrefix: string) =>
    loads.map((load, k) =>
      load.stream({
        clients: 0,
        ratePerClient: 0,
        startAt: t1 + scrapeGapMs + (k * eventsMs) / Math.max(1, ids.flat().length),
        seconds: eventsMs / 1000,
        telemetryRest: '}',
        events: { clientIds: ids[k]!, perClient: 1, idPrefix, ackTimeoutMs: 30_000, type },
      }),
    );
  const sos = events(sosIds, 'sos', `sos-${options.label}`);
  const doors = events(doorIds, 'open', `door-${options.label}`);
  return { t1, telemetry, sos, doors };
}
