import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seededRandom } from '../simulators/seeded-random.js';
import { capabilitySchemas } from './capabilities.js';
import { loadDeviceCatalog } from './catalog.js';

const snakeCase = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Every leaf of a schema with its path, so the invariants can be checked field by field. */
function leaves(schema: z.ZodType, path: string): Array<{ path: string; schema: z.ZodType }> {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return leaves(schema.unwrap() as z.ZodType, path);
  }
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).flatMap(([key, child]) =>
      leaves(child as z.ZodType, path ? `${path}.${key}` : key),
    );
  }
  if (schema instanceof z.ZodArray) return leaves(schema.element as z.ZodType, `${path}[]`);
  return [{ path, schema }];
}

// The fixture's type too: what a new file in devices/types/ must hold, it holds.
const catalog = await loadDeviceCatalog([new URL('../test/fixtures/device-types/', import.meta.url)]);

describe('device catalog', () => {
  it('[DEVICE-CATALOG] every file of devices/types declares one type, each name once', () => {
    expect(catalog.all().length).toBeGreaterThan(0);
    expect(new Set(catalog.names()).size).toBe(catalog.names().length);
  });

  for (const type of catalog.all()) {
    describe(type.name, () => {
      it('[DEVICE-NAMES] the type, its fields and its event types are snake_case', () => {
        expect(type.name).toMatch(snakeCase);
        for (const { path } of [...leaves(type.telemetry, ''), ...leaves(type.event, '')]) {
          for (const part of path.replace(/\[\]/g, '').split('.')) expect(part).toMatch(snakeCase);
        }
        for (const eventType of type.eventTypes) expect(eventType).toMatch(snakeCase);
      });

      it('[DEVICE-RANGES] every numeric field has a minimum and a maximum', () => {
        for (const { path, schema } of [...leaves(type.telemetry, ''), ...leaves(type.event, '')]) {
          if (schema instanceof z.ZodNumber) {
            expect(Number.isFinite(schema.minValue), `${type.name}.${path} min`).toBe(true);
            expect(Number.isFinite(schema.maxValue), `${type.name}.${path} max`).toBe(true);
          }
        }
      });

      it('[DEVICE-WEARER-ANSWERS] a command the wearer answers is one the device carries out', () => {
        for (const command of type.answeredByWearer ?? []) expect(type.commands).toContain(command);
      });

      it('[DEVICE-TS] telemetry and events carry the device time `ts`', () => {
        expect(Object.keys(type.telemetry.shape)).toContain('ts');
        expect(Object.keys(type.event.shape)).toEqual(expect.arrayContaining(['ts', 'event_id', 'type']));
      });

      it('[DEVICE-SIMULATE] simulated telemetry passes its own schema', () => {
        const random = seededRandom(7);
        for (let i = 0; i < 200; i++) {
          const message = type.simulate({
            ts: 1_764_392_000_000 + i * 1000,
            random,
            home: { lat: 22.54, lon: 114.05 },
          });
          const parsed = type.telemetry.safeParse(message);
          expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        }
      });

      it('[DEVICE-EVENTS] each declared event type validates, an undeclared one does not', () => {
        for (const eventType of type.eventTypes) {
          expect(type.event.safeParse({ ts: 1, event_id: 'e1', type: eventType }).success).toBe(true);
        }
        expect(type.event.safeParse({ ts: 1, event_id: 'e1', type: 'no_such_event' }).success).toBe(false);
      });

      it('[DEVICE-CAPABILITIES] it measures something, its telemetry is what it measures, its events set only that', () => {
        expect(Object.keys(type.measures).length).toBeGreaterThan(0);
        expect(Object.keys(type.telemetry.shape).sort()).toEqual(
          ['ts', ...Object.keys(type.measures)].sort(),
        );
        for (const [eventType, spec] of Object.entries(type.events)) {
          for (const [capability, value] of Object.entries(spec.sets ?? {})) {
            expect(type.measures, `${eventType} sets ${capability}`).toHaveProperty(capability);
            const schema = capabilitySchemas[capability as keyof typeof capabilitySchemas];
            expect(schema.safeParse(value).success, `${eventType} sets ${capability}=${value}`).toBe(true);
          }
        }
        for (const metric of type.metrics) expect(type.measures).toHaveProperty(metric.field);
      });

      it('[DEVICE-LABELS] it has words in both languages and an icon', () => {
        expect(type.label.zh.trim()).not.toBe('');
        expect(type.label.en.trim()).not.toBe('');
        expect(type.icon).toMatch(snakeCase);
      });

      it('[DEVICE-HEALTH] the silence timeout is positive and at most a day', () => {
        expect(type.silenceTimeoutMs).toBeGreaterThan(0);
        expect(type.silenceTimeoutMs).toBeLessThanOrEqual(86_400_000);
      });
    });
  }
});

describe('acceleration samples', () => {
  const accel = capabilitySchemas.accel;
  const issues = (value: unknown) =>
    accel.safeParse(value).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

  it('[ACCEL-SAMPLES] takes numbers within ±64 g and names the first sample that is not one', () => {
    expect(accel.safeParse({ hz: 25, x: [0.01, -64], y: [0.98, 64], z: [0.12, 0] }).success).toBe(true);
    expect(issues({ hz: 25, x: [0, 1], y: [0, 64.5], z: [0, 0] })).toEqual([
      ['y', 'sample 1 must be a number from -64 to 64 g (got 64.5)'],
    ]);
    expect(issues({ hz: 25, x: ['0'], y: [0], z: [0] })).toEqual([
      ['x', 'sample 0 must be a number from -64 to 64 g (got "0")'],
    ]);
    expect(issues({ hz: 25, x: [0], y: [null], z: [0] })).toEqual([
      ['y', 'sample 0 must be a number from -64 to 64 g (got null)'],
    ]);
    // a long string sent as a sample is not echoed back whole
    expect(issues({ hz: 25, x: [0, 'x'.repeat(5000)], y: [0, 0], z: [0, 0] })).toEqual([
      ['x', `sample 1 must be a number from -64 to 64 g (got "${'x'.repeat(39)})`],
    ]);
    expect(issues({ hz: 25, x: [0], y: [0], z: 0 })).toEqual([['z', 'expected an array of samples']]);
    expect(issues({ hz: 200, x: new Array(1001).fill(0), y: [0], z: [0] })).toEqual([
      ['x', 'at most 1000 samples (got 1001)'],
    ]);
  });
});
