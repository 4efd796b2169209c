import { z } from 'zod';
import { postures } from '../capabilities.js';
import { defineDeviceType } from '../catalog.js';

export default defineDeviceType({
  name: 'fall_radar',
  label: { zh: '跌倒雷达', en: 'Fall radar' },
  measures: {
    presence: 'always',
    posture: 'always',
    breathing_rate: 'when_measured',
    heart_rate: 'when_measured',
    targets: 'when_measured',
  },
  // No button: a fall it sees cannot be cancelled by the person.
  events: { fall: { alarm: true }, fall_cleared: {} },
  eventFields: { confidence: z.number().min(0).max(1) },
  commands: ['config'],
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
  icon: 'radar',
});
