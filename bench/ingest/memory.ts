/** The hub's memory per device: idle, then `rssDevices` watches connected but silent, then all of them streaming. */
import type { HubProcess } from '../lib/hub-process.js';
import { log, sleep } from '../lib/processes.js';
import { memoryMiB, round } from '../lib/stats.js';
import type { Broker } from './brokers.js';
import { eventWatches, grow, type Rig, streamAll } from './rig.js';
import { hubSettleMs, rssDevices, rssStreamSeconds } from './settings.js';

export interface HubMemory {
  idle: { rssMiB: number; heapMiB: number; externalMiB: number };
  silent: { devices: number; rssMiB: number; heapMiB: number; externalMiB: number };
  streaming: {
    devices: number;
    seconds: number;
    rssMiB: number;
    heapMiB: number;
    externalMiB: number;
    shedPercent: number;
  };
}

/** The hub's V8 heap in use, and its memory off the V8 heap (typed arrays: hot windows; buffers), MiB. */
const heap = async (hub: HubProcess) => round((await hub.metric('nodejs_heap_size_used_bytes')) / 2 ** 20, 1);
const external = async (hub: HubProcess) =>
  round((await hub.metric('nodejs_external_memory_bytes')) / 2 ** 20, 1);

/** Measures the hub idle (nothing connected yet), connects `rssDevices` watches and has them stream. */
export async function measureMemory(rig: Rig, hub: HubProcess, broker: Broker): Promise<HubMemory> {
  const idle = { rssMiB: memoryMiB(hub.pid).rss, heapMiB: await heap(hub), externalMiB: await external(hub) };
  log(`hub pid ${hub.pid}: idle RSS ${idle.rssMiB} MiB, heap ${idle.heapMiB} MiB`);
  await grow(rig, broker, rssDevices);
  await sleep(hubSettleMs);
  const silent = {
    devices: rssDevices,
    rssMiB: memoryMiB(hub.pid).rss,
    heapMiB: await heap(hub),
    externalMiB: await external(hub),
  };
  log(`hub: ${rssDevices} connected, silent: RSS ${silent.rssMiB} MiB, heap ${silent.heapMiB} MiB`);
  // All of them streaming long enough to fill their hot windows (512 samples: 20.5 s at 25 Hz), and every
  // 100th sending one event ("worn", which raises nothing), as watches do all day: V8 optimises the hot
  // path for events as well as telemetry before the hub's capacity is measured. Without them the hub saw
  // only telemetry until the overload's SOS, which deoptimised validation (zod, `reading`) and the frame
  // splitter in the middle of the overload (`--trace-deopt`, 2026-12-05 14:02); with them, not.
  const before = await broker.counts();
  await streamAll(rig, rssDevices, 1, Date.now() + 200, rssStreamSeconds, {
    clientIds: eventWatches(rig, rssDevices),
    idPrefix: 'worn-warm',
    type: 'worn',
  });
  const streamingRss = memoryMiB(hub.pid).rss;
  const after = await broker.counts();
  const memory: HubMemory = {
    idle,
    silent,
    streaming: {
      devices: rssDevices,
      seconds: rssStreamSeconds,
      rssMiB: streamingRss,
      heapMiB: await heap(hub),
      externalMiB: await external(hub),
      shedPercent: round(
        (100 * (after.shed - before.shed)) / Math.max(1, after.received - before.received),
        1,
      ),
    },
  };
  log(
    `hub: ${rssDevices} streaming ${rssStreamSeconds} s: RSS ${streamingRss} MiB, heap ${memory.streaming.heapMiB} MiB ` +
      `(${memory.streaming.shedPercent} % of their telemetry shed meanwhile)`,
  );
  return memory;
}
