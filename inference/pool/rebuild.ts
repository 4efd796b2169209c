import type { HotWindows } from '../../ingest/hot-windows.js';
import type { SamplesMessage } from './protocol.js';
import { SampleBatch } from './sample-batch.js';

/**
 * The batch that rebuilds a replaced worker's streams: each device's last `spanMs` of
 * acceleration from ingest's hot windows (a window is 8.5 s and a worker is replaced in well
 * under a second), with the impact time and peak of its last alarm to seed the refractory period.
 * Null when none of the devices has anything kept.
 */
export function rebuildBatch(
  devices: Iterable<string>,
  hotWindows: Pick<HotWindows, 'get'>,
  lastAlarm: (deviceId: string) => { peakMs: number; peakG: number } | null,
  spanMs: number,
  seq: number,
): { message: SamplesMessage; transfer: ArrayBuffer[] } | null {
  const batch = new SampleBatch();
  const lastAlarms: number[] = [];
  for (const id of devices) {
    const accel = hotWindows.get(id)?.accel();
    if (accel === undefined || accel.t.length === 0) continue;
    const since = accel.t[accel.t.length - 1]! - spanMs;
    let from = 0;
    while (from < accel.t.length && accel.t[from]! < since) from++;
    batch.addSamples(id, accel, from, accel.t.length);
    const last = lastAlarm(id);
    lastAlarms.push(last?.peakMs ?? Number.NaN, last?.peakG ?? Number.NaN);
  }
  if (batch.samples === 0) return null;
  const taken = batch.take(seq);
  taken.message.rebuild = true;
  taken.message.lastAlarms = Float64Array.from(lastAlarms);
  return taken;
}
