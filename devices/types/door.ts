import { z } from 'zod';
import { defineDeviceType, eventSchema, timestampSchema } from '../catalog.js';

const telemetry = z.object({
  ts: timestampSchema,
  contact: z.enum(['open', 'closed']),
  battery: z.number().min(0).max(100).optional(),
});

const eventTypes = ['open', 'close', 'tamper'] as const;

export default defineDeviceType({
  name: 'door',
  label: { zh: '门磁', en: 'Door contact' },
  telemetry,
  event: eventSchema(eventTypes, {}),
  eventTypes,
  // An hourly heartbeat: offline once two and a half beats are missed.
  silenceTimeoutMs: 150 * 60_000,
  simulate: ({ ts, random }) => ({
    ts,
    contact: random() < 0.95 ? ('closed' as const) : ('open' as const),
    battery: Math.round(20 + random() * 80),
  }),
  display: {
    icon: 'door',
    metrics: [{ field: 'battery', label: { zh: '电量', en: 'Battery' }, unit: '%' }],
  },
});
