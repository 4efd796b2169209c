/** One step of the ingest ladder: a fleet streaming at a rate, measured open loop, and judged sustained or not. */
import { streamTotal } from '../lib/load.js';
import { sleep, sleepUntil } from '../lib/processes.js';
import { coreMeter, cpuMeter, round } from '../lib/stats.js';
import { graceMs, loadLateMs, maxLoss, telemetryLoss } from '../lib/verdict.js';
import type { Broker, Counts } from './brokers.js';
import { type Rig, streamAll } from './rig.js';
import { loadBusy } from './settings.js';

export interface Step {
  broker: Broker['name'];
  /** Watches sending, and messages a second each. */
  fleet: number;
  ratePerWatch: number;
  /** Offered msg/s (fleet × rate): the fleet of 1-msg/s watches this equals. */
  offered: number;
  /** Not counted (devices' first readings, the shedder settling), then measured. */
  warmUpSeconds: number;
  seconds: number;
  /** Sent during warm-up and measurement. */
  sent: number;
  /** Not sent: the client's connection had closed. */
  skipped: number;
  /** Handled during the measured seconds (hub: validated and passed on = received − shed; mosquitto: delivered). */
  handled: number;
  handledPerSecond: number;
  /** Hub: shed during the measured seconds, and its share of what the hub received then. */
  shed: number;
  shedPercent: number;
  /** Of everything sent in the step: not yet read (hub) or delivered (mosquitto) `graceMs` after the last send. */
  unreadPercent: number;
  /** shed + unread + skipped: what the step is judged by. */
  lossPercent: number;
  /** After the last send: until everything sent had been read, or undefined if not within 15 s. */
  drainedMs?: number;
  /** Cores busy during the measured seconds: the broker, and the load side (load processes, counting subscriber). */
  brokerCpu: number;
  loadCpu: number;
  /** mosquitto: of `loadCpu`, its counting subscriber's share. */
  subscriberCpu?: number;
  /** The broker's CPU time per message handled in the measured seconds. */
  brokerMicrosPerMessage: number;
  /**
   * The broker's core during the measured seconds: busy with anything but the broker (other work on this
   * shared machine), and taken by the hypervisor (steal). The hub's shedder counts its thread waiting for
   * the core as busy, so these make it shed at a lower rate.
   */
  core0OthersBusy: number;
  core0Steal: number;
  lateP99Ms: number;
  lateMaxMs: number;
  loadBound: boolean;
  sustained: boolean;
  loadRssMiB: number[];
}

/**
 * One step: `warmUp` seconds not counted, then `seconds` measured, back to back in the same open-loop
 * stream. Counts are read when the measurement starts, `graceMs` after the last send, and until
 * everything sent has been read (every 250 ms: a scrape of the hub's /metrics costs it ~1.7 ms per
 * 1,000 connections, so it is not scraped more often than that).
 */
export async function step(
  rig: Rig,
  broker: Broker,
  fleet: number,
  ratePerWatch: number,
  seconds: number,
  warmUpSeconds: number,
): Promise<Step> {
  const start = await broker.counts();
  const t0 = Date.now() + 200;
  const t1 = t0 + warmUpSeconds * 1000;
  const warm =
    warmUpSeconds > 0 ? streamAll(rig, fleet, ratePerWatch, t0, warmUpSeconds) : Promise.resolve([]);
  const measured = streamAll(rig, fleet, ratePerWatch, t1, seconds);
  await sleepUntil(t1);
  const [brokerMeter, loadMeter, sideMeter, core0Meter] = [
    cpuMeter(broker.pid),
    cpuMeter(...rig.loads.map((l) => l.pid), ...broker.loadSidePids),
    cpuMeter(...broker.loadSidePids),
    coreMeter(0),
  ];
  const boundary = await broker.counts();
  const [warmReplies, replies] = await Promise.all([warm, measured]);
  const [brokerCpu, loadCpu, subscriberCpu, core0] = [brokerMeter(), loadMeter(), sideMeter(), core0Meter()];
  const lastSend = Math.max(...replies.map((r) => r.finishedAt));
  const sent = streamTotal(warmReplies, 'sent') + streamTotal(replies, 'sent');
  const skipped = streamTotal(warmReplies, 'skipped') + streamTotal(replies, 'skipped');
  const { within, drainedMs } = await drain(broker, start.received + sent, lastSend);
  const handled = within.handled - boundary.handled;
  const shed = within.shed - boundary.shed;
  const { shedPercent, unreadPercent, lossPercent } = telemetryLoss({
    sent,
    skipped,
    readSinceStart: within.received - start.received,
    measuredReceived: within.received - boundary.received,
    measuredShed: shed,
  });
  const lateP99Ms = Math.max(...replies.map((r) => r.lateP99Ms));
  const loadBound = lateP99Ms > loadLateMs || loadCpu >= loadBusy;
  return {
    broker: broker.name,
    fleet,
    ratePerWatch,
    offered: Math.round(fleet * ratePerWatch),
    warmUpSeconds,
    seconds,
    sent,
    skipped,
    handled,
    handledPerSecond: Math.round(handled / seconds),
    shed,
    shedPercent,
    unreadPercent,
    lossPercent,
    drainedMs,
    brokerCpu,
    loadCpu,
    subscriberCpu: broker.loadSidePids.length ? subscriberCpu : undefined,
    brokerMicrosPerMessage: round((brokerCpu * 1e6) / Math.max(1, handled / seconds), 1),
    core0OthersBusy: round(Math.max(0, core0.busy - brokerCpu), 2),
    core0Steal: core0.steal,
    lateP99Ms,
    lateMaxMs: Math.max(...replies.map((r) => r.lateMaxMs)),
    loadBound,
    sustained: lossPercent <= 100 * maxLoss && !loadBound,
    loadRssMiB: replies.map((r) => r.rssMiB),
  };
}

/**
 * After the last send: the counts `graceMs` later (`within`), and how long until the broker had read
 * `received` messages in all (undefined if not within 15 s).
 */
async function drain(
  broker: Broker,
  received: number,
  lastSend: number,
): Promise<{ within: Counts; drainedMs?: number }> {
  let within: Counts | undefined;
  let drainedMs: number | undefined;
  for (;;) {
    const c = await broker.counts();
    const now = Date.now();
    if (drainedMs === undefined && c.received >= received) drainedMs = Math.round(now - lastSend);
    if (!within && now >= lastSend + graceMs) within = c;
    if (within && (drainedMs !== undefined || now - lastSend > 15_000)) return { within, drainedMs };
    await sleep(250);
  }
}

export function describe(s: Step): string {
  const verdict = s.sustained ? 'sustained' : s.loadBound ? 'LOAD-BOUND' : 'not sustained';
  return (
    `${s.broker} ${s.fleet} watches × ${s.ratePerWatch}/s = ${s.offered} msg/s (${s.warmUpSeconds} + ${s.seconds} s): ` +
    `${s.handledPerSecond} msg/s handled, ${s.shedPercent} % shed, ${s.unreadPercent} % unread after ${graceMs} ms ` +
    `(drained in ${s.drainedMs ?? '>15000'} ms), cpu broker ${s.brokerCpu} (${s.brokerMicrosPerMessage} µs/msg) ` +
    `load ${s.loadCpu}${s.subscriberCpu !== undefined ? ` (subscriber ${s.subscriberCpu})` : ''}, ` +
    `core 0 others ${s.core0OthersBusy} steal ${s.core0Steal}, ` +
    `send loop late p99 ${s.lateP99Ms} ms max ${s.lateMaxMs} ms → ${verdict}`
  );
}
