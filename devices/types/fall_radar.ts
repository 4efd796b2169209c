import { z } from 'zod';
import { defineDeviceType, eventSchema, timestampSchema } from '../catalog.js';

const postures = ['none', 'standing', 'sitting', 'lying'] as const;

const telemetry = z.object({
  ts: timestampSchema,
  presence: z.boolean(),
  posture: z.enum(postures),
  breathing_rate: z.number().min(0).max(80).optional(),
  heart_rate: z.number().min(0).max(300).optional(),
  targets: z.number().int().min(0).max(16).optional(),
});

const eventTypes = ['fall', 'fall_cleared'] as const;

export default defineDeviceType({
  name: 'fall_radar',
  label: { zh: '跌倒雷达', en: 'Fall radar' },
  telemetry,
  event: eventSchema(eventTypes, { confidence: z.number().min(0).max(1).optional() }),
  eventTypes,
  // Reports every few seconds; two minutes of silence is a dead radar, not a quiet room.
  silenceTimeoutMs: 2 * 60_000,
  simulate: ({ ts, random }) => {
    const present = random() < 0.8;
    return {
      ts,
      presence: present,
      posture: present ? postures[1 + Math.floor(random() * 3)]! : 'none',
      ...(present
        ? {
            breathing_rate: Math.round(12 + random() * 6),
            heart_rate: Math.round(60 + random() * 20),
            targets: 1,
          }
        : { targets: 0 }),
    };
  },
  display: {
    icon: 'radar',
    metrics: [
      { field: 'breathing_rate', label: { zh: '呼吸', en: 'Breathing' }, unit: '/min' },
      { field: 'heart_rate', label: { zh: '心率', en: 'Heart rate' }, unit: 'bpm' },
      { field: 'targets', label: { zh: '人数', en: 'People' } },
    ],
  },
});
