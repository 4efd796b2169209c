import { z } from 'zod';
import { defineDeviceType, eventSchema, timestampSchema } from '../catalog.js';

/** Samples in g; ±64 g covers every wrist sensor range (±4 to ±16 g) with room for vendors' quirks. */
const axis = z.array(z.number().min(-64).max(64)).max(1000);

const accel = z
  .object({ hz: z.number().min(10).max(200), x: axis, y: axis, z: axis })
  .refine((a) => a.x.length === a.y.length && a.y.length === a.z.length, {
    message: 'x, y and z must be equally long',
  })
  .refine((a) => a.x.length <= Math.ceil(a.hz * 5), { message: 'at most 5 s of samples' });

const telemetry = z.object({
  ts: timestampSchema,
  heart_rate: z.number().min(0).max(300).optional(),
  spo2: z.number().min(0).max(100).optional(),
  steps: z.number().int().min(0).max(1_000_000).optional(),
  battery: z.number().min(0).max(100).optional(),
  worn: z.boolean().optional(),
  location: z
    .object({
      lat: z.number().min(-90).max(90),
      lon: z.number().min(-180).max(180),
      accuracy_m: z.number().min(0).max(100_000).optional(),
    })
    .optional(),
  accel: accel.optional(),
});

const eventTypes = ['sos', 'fall', 'ok', 'removed', 'worn'] as const;

export default defineDeviceType({
  name: 'watch',
  label: { zh: '智能手表', en: 'Smart watch' },
  telemetry,
  event: eventSchema(eventTypes, { confidence: z.number().min(0).max(1).optional() }),
  eventTypes,
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
  display: {
    icon: 'watch',
    metrics: [
      { field: 'heart_rate', label: { zh: '心率', en: 'Heart rate' }, unit: 'bpm' },
      { field: 'spo2', label: { zh: '血氧', en: 'SpO₂' }, unit: '%' },
      { field: 'steps', label: { zh: '步数', en: 'Steps' } },
      { field: 'battery', label: { zh: '电量', en: 'Battery' }, unit: '%' },
    ],
  },
});
