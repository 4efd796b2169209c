import { defineDeviceType } from '../catalog.js';

export default defineDeviceType({
  name: 'door',
  label: { zh: '门磁', en: 'Door contact' },
  measures: { contact: 'always', battery: 'when_measured' },
  events: { open: { sets: { contact: 'open' } }, close: { sets: { contact: 'closed' } }, tamper: {} },
  commands: ['config'],
  // An hourly heartbeat: offline once two and a half beats are missed.
  silenceTimeoutMs: 150 * 60_000,
  simulate: ({ ts, random }) => ({
    ts,
    contact: random() < 0.95 ? 'closed' : 'open',
    battery: Math.round(20 + random() * 80),
  }),
  icon: 'door',
});
