/**
 * A device on its own thread: signs in, sends a QoS 1 event every 20 ms for `ms`, and posts back
 * each event's PUBACK time. On its own event loop, so every stall of the hub's loop longer than
 * the pace delays an event it sends (a device on the hub's loop sees a stall only when an event
 * happens to be in flight as it starts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';
import { deviceLogin } from './device-login.js';

export interface PacedDeviceJob {
  url: string;
  id: string;
  secret: string;
  ms: number;
  tag: string;
}

export interface PacedDeviceRun {
  /** PUBACK times (ms), in sending order. */
  times: number[];
  /** The event ids acknowledged. */
  acked: string[];
}

async function run({ url, id, secret, ms, tag }: PacedDeviceJob): Promise<PacedDeviceRun> {
  const device = await mqtt.connectAsync(url, deviceLogin(id, secret));
  const times: number[] = [];
  const acked: string[] = [];
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    const eventId = `${tag}-${i}`;
    const t0 = performance.now();
    await device.publishAsync(
      `care/${id}/event`,
      JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'worn' }),
      { qos: 1 },
    );
    times.push(performance.now() - t0);
    acked.push(eventId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await device.endAsync();
  return { times, acked };
}

run(workerData as PacedDeviceJob).then(
  (result) => parentPort!.postMessage({ result }),
  (error: Error) => parentPort!.postMessage({ error: error.message }),
);
