/** The ingest benchmark's printed figures, notes and raw details, from the hub's and mosquitto's runs. */
import type { BenchResult, Figure } from '../lib/result.js';
import { round } from '../lib/stats.js';
import { graceMs, loadLateMs, maxLoss } from '../lib/verdict.js';
import type { HubPhase } from './hub-phase.js';
import type { Ladder } from './ladder.js';
import type { MosquittoPhase } from './mosquitto-phase.js';
import type { Recovery } from './recovery.js';
import {
  fleetSteps,
  hubFreshWarmUpSeconds,
  hubSettleMs,
  loadBusy,
  maxFleet,
  rateSteps,
  rssDevices,
  sosEvery,
  stepSeconds,
  warmUpSeconds,
} from './settings.js';
import type { ShedCost } from './shed-cost.js';
import type { Step } from './step.js';

export function ingestReport(
  hub: HubPhase,
  mosquitto: MosquittoPhase,
  payloadBytes: number,
): Omit<BenchResult, 'name'> {
  const ratio = hub.ladder.sustained / Math.max(1, mosquitto.ladder.sustained);
  const common = sameLoad(hub.ladder, mosquitto.ladder);
  return {
    title:
      'Watch telemetry ingest (25 Hz accel, 1 msg/s) vs mosquitto; RSS per device; overload at 2× the steady rate',
    figures: figures(hub, mosquitto.ladder, ratio, common),
    notes: notes(hub, payloadBytes),
    details: {
      payloadBytes,
      maxFleet,
      stepSeconds,
      graceMs,
      hub: {
        ...hub.ladder,
        memory: hub.memory,
        steady: hub.steady,
        overload: hub.overload,
        shedCost: hub.shedCost,
        sosAlertsOpened: hub.sosAlertsOpened,
        rejected: hub.rejected,
        connect: hub.connect,
      },
      mosquitto: { ...mosquitto.ladder, connect: mosquitto.connect },
      ratio,
      cpuPerMessageSameLoad: common && {
        offered: common.hub.offered,
        hubMicros: common.hub.brokerMicrosPerMessage,
        mosquittoMicros: common.mosquitto.brokerMicrosPerMessage,
      },
    },
  };
}

/**
 * Side by side on the same offered load: each broker's step at the largest load both sustained
 * (mosquitto's ladder includes the hub's best step).
 */
function sameLoad(hub: Ladder, mosquitto: Ladder): { hub: Step; mosquitto: Step } | undefined {
  return hub.steps
    .filter((h) => h.sustained)
    .map((h) => ({
      hub: h,
      mosquitto: mosquitto.steps.find(
        (m) => m.sustained && m.fleet === h.fleet && m.ratePerWatch === h.ratePerWatch,
      ),
    }))
    .filter((pair): pair is { hub: Step; mosquitto: Step } => pair.mosquitto !== undefined)
    .sort((a, b) => a.hub.offered - b.hub.offered)
    .at(-1);
}

function figures(
  hub: HubPhase,
  mosquittoLadder: Ladder,
  ratio: number,
  common: { hub: Step; mosquitto: Step } | undefined,
): Figure[] {
  const { ladder: hubLadder, memory, overload: over } = hub;
  const perDeviceKiB = (rss: number) => round(((rss - memory.idle.rssMiB) * 1024) / rssDevices, 1);
  const sustainedLabel = (l: Ladder) =>
    l.best
      ? `watch-equivalents (${l.best.fleet} × ${l.best.ratePerWatch}/s${l.limitedBy === 'broker' ? '' : `, ${l.limitedBy === 'load' ? 'load-bound: at least' : 'ladder end: at least'}`})`
      : 'none sustained';
  return [
    {
      label: 'hub: largest fleet sustained (1 msg/s each, ≤ 1 % lost/shed)',
      value: hubLadder.sustained,
      unit: sustainedLabel(hubLadder),
      track: { key: 'hub.sustained', worse: 'lower' },
    },
    {
      label: 'mosquitto: largest fleet relayed (≤ 1 % lost)',
      value: mosquittoLadder.sustained,
      unit: sustainedLabel(mosquittoLadder),
    },
    {
      label: 'hub / mosquitto (sustained fleet)',
      value: round(ratio, 2),
      unit:
        mosquittoLadder.limitedBy === 'broker' ? '×' : '× (at most: mosquitto was not pushed to its limit)',
    },
    ...(common
      ? [
          {
            label: `CPU per message at ${common.hub.offered} msg/s, hub / mosquitto`,
            value: common.hub.brokerMicrosPerMessage,
            unit: `/ ${common.mosquitto.brokerMicrosPerMessage} µs (${round(common.hub.brokerMicrosPerMessage / common.mosquitto.brokerMicrosPerMessage, 1)} ×)`,
          },
        ]
      : []),
    {
      label: 'hub RSS idle (devices provisioned, none connected)',
      value: memory.idle.rssMiB,
      unit: `MiB (V8 heap used ${memory.idle.heapMiB}, external ${memory.idle.externalMiB})`,
    },
    {
      label: `hub RSS, ${rssDevices} connected, silent`,
      value: memory.silent.rssMiB,
      unit: `MiB (V8 heap used ${memory.silent.heapMiB}, external ${memory.silent.externalMiB})`,
    },
    {
      label: 'hub RSS per device, connected and silent',
      value: perDeviceKiB(memory.silent.rssMiB),
      unit: 'KiB',
    },
    {
      label: `hub RSS, ${rssDevices} streaming ${memory.streaming.seconds} s`,
      value: memory.streaming.rssMiB,
      unit: `MiB (V8 heap used ${memory.streaming.heapMiB}, external ${memory.streaming.externalMiB})`,
    },
    { label: 'hub RSS per device, streaming', value: perDeviceKiB(memory.streaming.rssMiB), unit: 'KiB' },
    {
      label: `steady rate (taken with nothing shed for ${hub.steady.seconds} s, before the overload)`,
      value: hub.steady.rate,
      unit:
        `msg/s${hub.steady.takenWhole ? '' : ': NO rate tried was, the lowest is used'} (tried: ` +
        `${hub.steady.tried.map((t) => `${t.offered} → ${t.shedPercent} % shed`).join(', ')})`,
    },
    {
      label: `overload: offered (2 × the steady rate) for ${over.seconds} s`,
      value: over.offeredRate,
      unit: `msg/s (${over.fleet} × ${over.ratePerWatch}/s)`,
    },
    {
      // what the offered rate became: when the load side cannot keep its schedule, the hub
      // never sees twice its sustained rate and the PUBACK times below include the load side's lag
      label: 'overload: received by the hub / load send loop late, max',
      value: round(over.telemetryReceivedDuring / over.seconds),
      unit:
        `msg/s (${round(over.telemetryReceivedDuring / over.seconds / over.sustainedRate, 2)} × steady) / ${over.loadLateMaxMs} ms` +
        (over.loadLateMaxMs > loadLateMs ? ': the load side fell behind, the hub got less than offered' : ''),
    },
    {
      label: 'overload: SOS events sent / PUBACKed / stored',
      value: over.events.sent,
      unit: `/ ${over.events.acked} / ${over.events.stored}`,
    },
    {
      label: 'overload: SOS publish → PUBACK, p99',
      value: over.events.ackP99Ms,
      unit: `ms (p50 ${over.events.ackP50Ms}, max ${over.events.ackMaxMs})`,
      track: { key: 'overload.sosPubackP99Ms', worse: 'higher' },
    },
    ...(over.events.split
      ? [
          {
            label: 'overload: SOS publish → read by the hub / read → PUBACK, p99',
            value: over.events.split.toHubP99Ms,
            unit:
              `/ ${over.events.split.hubToAckP99Ms} ms (p50 ${over.events.split.toHubP50Ms} / ${over.events.split.hubToAckP50Ms}, ` +
              `max ${over.events.split.toHubMaxMs} / ${over.events.split.hubToAckMaxMs}; ${over.events.split.events} events)`,
          },
        ]
      : []),
    {
      label: 'overload: telemetry shed (share of received)',
      value: over.telemetryShedDuring,
      unit: `msgs (${over.shedSharePercentDuring} %)`,
    },
    {
      label: 'overload: hub CPU per message handled (validated and passed on)',
      value: over.hubMicrosPerHandled,
      unit: `µs (hub ${over.hubCpu} cores busy; other work on its core ${over.core0OthersBusy})`,
      track: { key: 'overload.microsPerHandled', worse: 'higher' },
    },
    {
      label: 'overload: hub peak RSS',
      value: over.hubPeakRssMiB,
      unit: `MiB (before: ${over.hubRssBeforeMiB})`,
    },
    {
      label: 'recovery at the steady rate: shed back to 0 (and stayed 0) after',
      value: over.recovery.lastShedAfterS,
      unit: recoveryUnit(over.recovery),
      track: { key: 'recovery.backToZeroS', worse: 'higher' },
    },
    {
      label: 'recovery: backlog under 1 s of messages after',
      value: over.recovery.caughtUpAfterS ?? over.recovery.seconds,
      unit: over.recovery.caughtUpAfterS === undefined ? 's: NOT caught up within the run' : 's',
    },
    ...(over.recovery.busyWhileShedding === undefined
      ? []
      : [
          {
            label: 'recovery: hub CPU while it shed with its reads caught up',
            value: over.recovery.busyWhileShedding,
            unit: `cores, its event loop ${over.recovery.mainBusyWhileShedding ?? '–'} (near 1: the rate was more than it could carry then; well under: shedding held back)`,
          },
        ]),
    ...(hub.shedCost ? shedCostFigures(hub.shedCost) : []),
  ];
}

/** Whether shedding stopped for good, and when the load side really ended the overload if it fell behind. */
function recoveryUnit(r: Recovery): string {
  const back = r.stillShedding
    ? `s: NOT back, still shedding at the end of the ${r.seconds}-s run`
    : `s (no telemetry shed in any 0.5-s interval after it to the end of the ${r.seconds}-s run; first calm interval at ${r.firstCalmAfterS ?? '–'} s)`;
  if (r.overloadOverrunS < 0.5) return back;
  return `${back}; the load side sent the overload's last message ${r.overloadOverrunS} s after its end (from then: ${r.lastShedAfterOverloadSentS} s)`;
}

/** What a shed message costs the hub, beside what reading a socket costs in Node and in C. */
function shedCostFigures(cost: ShedCost): Figure[] {
  const rows: Figure[] = [
    {
      label: `CPU per shed message (${cost.fleet} watches × ${cost.ratePerWatch}/s, all but 1/s shed)`,
      value: cost.hub.microsPerMessage,
      unit: `µs (${cost.hub.microsPerMessageGross} µs with the idle hub's own)`,
      track: { key: 'shed.microsPerMessage', worse: 'higher' },
    },
    {
      label: 'same load on a bare Node server reading (as the gateway does) and discarding (the floor)',
      value: cost.readFloor.microsPerMessage,
      unit: `µs per message: shedding costs ${round(cost.hub.microsPerMessage - cost.readFloor.microsPerMessage, 1)} µs above reading the socket at all`,
    },
  ];
  if (cost.nativeReadFloor) {
    rows.push({
      label:
        'same load on a bare C server (epoll, one read per ready socket, the same waits): the kernel alone',
      value: cost.nativeReadFloor.microsPerMessage,
      unit: 'µs per message',
    });
  }
  return rows;
}

function notes(hub: HubPhase, payloadBytes: number): string[] {
  const over = hub.overload;
  const notes = [
    `Telemetry: ${payloadBytes}-byte watch JSON (25 Hz accel, 25 samples per axis, heart rate, SpO2, steps, battery, worn, location), ` +
      'QoS 0 to care/<id>/telemetry; the ts changes every second. Open loop: each load process sends on a fixed schedule spread ' +
      'evenly over its watches, whether or not the broker keeps up.',
    `Ladder: ${fleetSteps.join(', ')} watches at 1 msg/s (connected incrementally), then the same ${maxFleet} connections at ` +
      `${rateSteps.join(', ')} msg/s each (a watch-equivalent fleet of fleet × rate), until a step is not sustained (tried twice); then one step ` +
      `half-way back (mosquitto's ladder also runs the hub's best step, for CPU per message on the same load). Each step: ${warmUpSeconds} s of warm-up (hub, devices' first readings: ${hubFreshWarmUpSeconds} s; after ` +
      `connecting more, ${hubSettleMs / 1000} s of calm first), then ${stepSeconds} s measured.`,
    `Sustained: shed (hub, over the measured seconds) + not yet read or delivered ${graceMs} ms after the last send ≤ ${100 * maxLoss} % ` +
      `of what was sent, and the load side kept its schedule (send loop p99 ≤ ${loadLateMs} ms late, core 1 < ${loadBusy} busy); ` +
      'otherwise the step is load-bound and the figure a lower bound.',
    'Hub (core 0): provisioned watches (hub-issued secrets), no InfluxDB: validation, hot windows, inference pool, minute rollups, device health. ' +
      'mosquitto (core 0, after the hub has stopped): anonymous, relays to mosquitto_sub (core 1) counting one byte per message.',
    `RSS per device: (RSS − idle RSS) / ${rssDevices}; idle is the hub with all ${maxFleet} watches provisioned in the store, none connected.`,
    `Steady rate: the ladder's best step run again for ${hub.steady.seconds} s (as long as the recovery), then 7/8, 3/4, 5/8 of it, until one ` +
      'sheds nothing: a ladder step passes with ≤ 1 % shed over 10 s in one of two tries, which at the edge of capacity is luck, and ' +
      '"back to 0" means nothing at a rate the hub sheds at without any overload. The overload is twice it, the recovery runs at it.',
    `Overload: every ${sosEvery}th watch sends one SOS event (QoS 1) during it; stored = device_events rows in the hub's SQLite after it stopped. ` +
      'Shed share = yiyang_ingest_shed_total / telemetry received over the overload; recovery from /metrics scraped every 500 ms: ' +
      '"back to 0" is the end of the last 0.5-s interval that shed anything, so a relapse counts.',
    'CPU per shed message: a second hub (TELEMETRY_MAX_PER_S=1: all but one message a second shed, as under overload) with the ' +
      "overload's watches streaming at its rate for 10 s: (hub CPU streaming − hub CPU connected and silent) / messages shed; then " +
      'the same on a bare Node server (core 0) that answers CONNECT and discards everything, reading as the gateway does (one shared ' +
      'buffer; 1 ms between polls while it reads often and has little to do): the cost of a read itself; and on the same server in C.',
  ];
  if (over.recovery.shedShareGaugeMax === 0 && over.telemetryShedTotal > 0)
    notes.push(
      'yiyang_ingest_shed_share stayed 0 while telemetry was shed: the gauge is not wired to the shedder (ingest/ingest-stage.ts ' +
        'passes no shareGauge), so the shed share here is computed from yiyang_ingest_shed_total.',
    );
  if (hub.rejected > 0) notes.push(`hub: ${hub.rejected} messages rejected as invalid (expected none)`);
  if (hub.connect.failures > 0)
    notes.push(`hub: ${hub.connect.failures} connects failed: ${hub.connect.errors.join('; ')}`);
  return notes;
}
