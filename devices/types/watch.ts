import { z } from 'zod';
import { defineDeviceType } from '../catalog.js';

export default defineDeviceType({
  name: 'watch',
  label: { zh: '智能手表', en: 'Smart watch' },
  measures: {
    heart_rate: 'when_measured',
    spo2: 'when_measured',
    steps: 'when_measured',
    battery: 'when_measured',
    worn: 'when_measured',
    location: 'when_measured',
    accel: 'when_measured',
  },
  // `ok`: the wearer's "I'm OK", which cancels a fall the watch saw within its cancel window.
  events: {
    sos: { alarm: true },
    fall: { alarm: true },
    ok: {},
    removed: { sets: { worn: false } },
    worn: { sets: { worn: true } },
  },
  eventFields: { confidence: z.number().min(0).max(1) },
  commands: ['notify', 'config'],
  // A notify shows a confirm button; the watch sends `command_ack` only when the wearer presses it.
  answeredByWearer: ['notify'],
  // Vitals come every few minutes even with motion streaming off.
  silenceTimeoutMs: 10 * 60_000,
  simulate: ({ ts, random, home }) => {
    const hz = 25;
    const jitter = () => (random() - 0.5) * 0.04;
    // A wrist at rest: gravity mostly on y, a little sensor noise.
    const x = Array.from({ length: hz }, () => 0.02 + jitter());
    const y = Array.from({ length: hz }, () => 0.98 + jitter());
    const zs = Array.from({ length: hz }, () => 0.12 + jitter());
    return {
      ts,
      heart_rate: Math.round(62 + random() * 20),
      spo2: Math.round(95 + random() * 4),
      steps: Math.floor(random() * 6000),
      battery: Math.round(30 + random() * 70),
      worn: true,
      location: {
        lat: home.lat + (random() - 0.5) * 1e-4,
        lon: home.lon + (random() - 0.5) * 1e-4,
        accuracy_m: 10,
      },
      accel: { hz, x, y, z: zs },
    };
  },
  icon: 'watch',
});
