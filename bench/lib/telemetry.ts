import { seeded } from './stats.js';

/**
 * Device telemetry as the load processes send it (`LoadCommand` `stream`): the JSON of one message without its
 * leading `{"ts":…,`, which the load process adds each second (protocol.md, devices/types/).
 */

/** A watch (devices/types/watch.ts) as its simulator makes it: a wrist at rest, 25 Hz, 25 samples per axis. */
export function watchTelemetryRest(): string {
  const random = seeded(7);
  const axis = (rest: number) =>
    Array.from({ length: 25 }, () => Number((rest + (random() - 0.5) * 0.04).toFixed(11)));
  const reading = {
    heart_rate: 72,
    spo2: 97,
    steps: 1043,
    battery: 81,
    worn: true,
    location: { lat: 22.5531, lon: 114.0412, accuracy_m: 10 },
    accel: { hz: 25, x: axis(0.02), y: axis(0.98), z: axis(0.12) },
  };
  return JSON.stringify(reading).slice(1);
}

/** A fall radar (devices/types/fall_radar.ts): someone sitting in the room, breathing. */
export function radarTelemetryRest(): string {
  return JSON.stringify({
    presence: true,
    posture: 'sitting',
    breathing_rate: 14,
    heart_rate: 66,
    targets: 1,
  }).slice(1);
}

/** A door contact's heartbeat (devices/types/door.ts). */
export function doorTelemetryRest(): string {
  return JSON.stringify({ contact: 'closed', battery: 93 }).slice(1);
}

/** Bytes of one message of `rest`, with its `ts`. */
export function messageBytes(rest: string): number {
  return `{"ts":${Date.now()},${rest}`.length;
}
