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

/**
 * One reading as InfluxDB line protocol (ms precision): one measurement per device type,
 * tags for device, elder and org unit, numeric fields only. Raw acceleration goes to
 * `<type>_accel`, one line per sample, only when asked for.
 */
export function readingLines(reading: Reading, t: SeriesTags, withAccel: boolean): string[] {
  const d = reading.data;
  const location = d.location as { lat?: number; lon?: number; accuracy_m?: number } | undefined;
  const fields = [
    numberField('heart_rate', d.heart_rate),
    numberField('spo2', d.spo2),
    numberField('steps', d.steps),
    numberField('battery', d.battery),
    flagField('worn', d.worn),
    numberField('lat', location?.lat),
    numberField('lon', location?.lon),
    numberField('location_accuracy_m', location?.accuracy_m),
    flagField('presence', d.presence),
    codeField('posture', postureCodes, d.posture),
    numberField('breathing_rate', d.breathing_rate),
    numberField('targets', d.targets),
    codeField('contact', contactCodes, d.contact),
  ].filter((f): f is string => f !== null);
  const lines: string[] = [];
  if (fields.length > 0)
    lines.push(`${tags(reading.deviceType, reading.deviceId, t)} ${fields.join(',')} ${reading.ts}`);
  const accel = d.accel as { hz: number; x: number[]; y: number[]; z: number[] } | undefined;
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

/** A device event as a point: `<type>_event` with the event type as a tag; door events also set the door state. */
export function eventLines(event: StoredEvent, t: SeriesTags): string[] {
  const lines = [
    `${tags(`${event.deviceType}_event`, event.deviceId, t)},type=${escapeTag(event.type)} count=1i ${event.ts}`,
  ];
  if (event.deviceType === 'door' && (event.type === 'open' || event.type === 'close')) {
    lines.push(`${tags('door', event.deviceId, t)} contact=${event.type === 'open' ? 1 : 0}i ${event.ts}`);
  }
  return lines;
}
