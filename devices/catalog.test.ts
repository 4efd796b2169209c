import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seededRandom } from '../simulators/seeded-random.js';
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

const catalog = await loadDeviceCatalog();

describe('device catalog', () => {
  it('[DEVICE-CATALOG] declares the three protocol v1 types, each once', () => {
    expect(catalog.names().sort()).toEqual(['door', 'fall_radar', 'watch']);
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

      it('[DEVICE-HEALTH] the silence timeout is positive and at most a day', () => {
        expect(type.silenceTimeoutMs).toBeGreaterThan(0);
        expect(type.silenceTimeoutMs).toBeLessThanOrEqual(86_400_000);
      });
    });
  }
});
