import { type Capability, capabilityNames, type Measurements } from '../devices/capabilities.js';
import type { StoredEvent } from './event-log.js';
import type { Reading } from './readings.js';

/** Enums become numbers: some servers of the InfluxDB v2 write API store strings as 0. */
export const postureCodes: Record<string, number> = { none: 0, standing: 1, sitting: 2, lying: 3 };
export const contactCodes: Record<string, number> = { closed: 0, open: 1 };

const escapeTag = (value: string) => value.replace(/[,= \\]/g, (c) => `\\${c}`);

export interface SeriesTags {
  elderId: string | null;
  orgUnitId: string | null;
}

function tags(measurement: string, deviceId: string, t: SeriesTags): string {
  let line = `${measurement},device=${escapeTag(deviceId)}`;
  if (t.elderId) line += `,elder=${escapeTag(t.elderId)}`;
  if (t.orgUnitId) line += `,org_unit=${escapeTag(t.orgUnitId)}`;
  return line;
}

const numberField = (name: string, value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? `${name}=${value}` : null;
const flagField = (name: string, value: unknown) =>
  typeof value === 'boolean' ? `${name}=${value ? 1 : 0}i` : null;
const codeField = (name: string, codes: Record<string, number>, value: unknown) =>
  typeof value === 'string' && value in codes ? `${name}=${codes[value]}i` : null;

type Encoders = { [K in Capability]: (value: NonNullable<Measurements[K]>) => Array<string | null> };

/** How each capability becomes fields (accel is written apart, one line per sample). */
const encoders: Encoders = {
  heart_rate: (v) => [numberField('heart_rate', v)],
  spo2: (v) => [numberField('spo2', v)],
  breathing_rate: (v) => [numberField('breathing_rate', v)],
  steps: (v) => [numberField('steps', v)],
  battery: (v) => [numberField('battery', v)],
  worn: (v) => [flagField('worn', v)],
  location: (v) => [
    numberField('lat', v.lat),
    numberField('lon', v.lon),
    numberField('location_accuracy_m', v.accuracy_m),
  ],
  accel: () => [],
  presence: (v) => [flagField('presence', v)],
  posture: (v) => [codeField('posture', postureCodes, v)],
  targets: (v) => [numberField('targets', v)],
  contact: (v) => [codeField('contact', contactCodes, v)],
};

function fieldsOf(measured: Measurements): string[] {
  const fields: string[] = [];
  for (const capability of capabilityNames) {
    const value = measured[capability];
    if (value === undefined) continue;
    const encode = encoders[capability] as (v: unknown) => Array<string | null>;
    for (const field of encode(value)) if (field !== null) fields.push(field);
  }
  return fields;
}

/**
 * One reading as InfluxDB line protocol (ms precision): one measurement per device type,
 * tags for device, elder and org unit, numeric fields by capability. Raw acceleration goes to
 * `<type>_accel`, one line per sample, only when asked for.
 */
export function readingLines(reading: Reading, t: SeriesTags, withAccel: boolean): string[] {
  const d = reading.data;
  const fields = fieldsOf(d);
  const lines: string[] = [];
  if (fields.length > 0)
    lines.push(`${tags(reading.deviceType, reading.deviceId, t)} ${fields.join(',')} ${reading.ts}`);
  const accel = d.accel;
  if (withAccel && accel) {
    const prefix = tags(`${reading.deviceType}_accel`, reading.deviceId, t);
    const step = 1000 / accel.hz;
    for (let k = 0; k < accel.x.length; k++) {
      lines.push(
        `${prefix} x=${accel.x[k]},y=${accel.y[k]},z=${accel.z[k]} ${Math.round(reading.ts + k * step)}`,
      );
    }
  }
  return lines;
}

/**
 * A device event as a point: `<type>_event` with the event type as a tag; an event that says
 * something about a measurement (a door opening: contact) also writes that measurement.
 */
export function eventLines(event: StoredEvent, t: SeriesTags): string[] {
  const lines = [
    `${tags(`${event.deviceType}_event`, event.deviceId, t)},type=${escapeTag(event.type)} count=1i ${event.ts}`,
  ];
  const fields = event.measured ? fieldsOf(event.measured) : [];
  if (fields.length > 0)
    lines.push(`${tags(event.deviceType, event.deviceId, t)} ${fields.join(',')} ${event.ts}`);
  return lines;
}
