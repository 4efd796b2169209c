import { readdirSync } from 'node:fs';
import { z } from 'zod';

/** A numeric field the console can chart and the catalog test can range-check. */
export interface MetricDisplay {
  field: string;
  label: { zh: string; en: string };
  unit?: string;
}

/**
 * One device type, declared once. Every stage reads what it needs from here:
 * the gateway and ingest validate with the schemas, device health uses the
 * silence timeout, simulators call `simulate`, the console renders `display`.
 */
export interface DeviceType<T extends z.ZodObject = z.ZodObject, E extends z.ZodObject = z.ZodObject> {
  name: string;
  label: { zh: string; en: string };
  telemetry: T;
  event: E;
  /** Event types this device may send (the `type` field of an event). */
  eventTypes: readonly string[];
  /** Without any message for this long, the device counts as offline. */
  silenceTimeoutMs: number;
  /** One plausible telemetry message at time `ts` for a person in a given state. */
  simulate: (ctx: SimulationContext) => z.infer<T>;
  display: { icon: string; metrics: MetricDisplay[] };
}

export interface SimulationContext {
  ts: number;
  /** Deterministic randomness: simulators seed it so a run can be replayed. */
  random: () => number;
  home: { lat: number; lon: number };
}

export const deviceIdPattern = /^[a-z0-9][a-z0-9-]{2,63}$/;
export const eventIdSchema = z.string().min(1).max(128);
export const timestampSchema = z.number().int().min(0).max(8_640_000_000_000_000);

/** Fields every event carries, whatever the device type. */
export function eventSchema<const Types extends readonly [string, ...string[]], X extends z.ZodRawShape>(
  types: Types,
  extra: X,
) {
  return z.object({
    ts: timestampSchema,
    event_id: eventIdSchema,
    type: z.enum([...types, 'command_ack'] as [string, ...string[]]),
    command_id: z.string().min(1).max(128).optional(),
    ...extra,
  });
}

export function defineDeviceType<T extends z.ZodObject, E extends z.ZodObject>(
  type: DeviceType<T, E>,
): DeviceType<T, E> {
  return type;
}

/** All device types, keyed by name. Built from the files in `devices/types/`. */
export class DeviceCatalog {
  private readonly types: Map<string, DeviceType>;

  constructor(types: DeviceType[]) {
    this.types = new Map();
    for (const type of types) {
      if (this.types.has(type.name)) throw new Error(`device type ${type.name} is declared twice`);
      this.types.set(type.name, type);
    }
  }

  get(name: string): DeviceType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()];
  }

  all(): DeviceType[] {
    return [...this.types.values()];
  }
}

/** Adding a device type is adding one file to `devices/types/`: it is found here. */
export async function loadDeviceCatalog(): Promise<DeviceCatalog> {
  const folder = new URL('./types/', import.meta.url);
  const files = readdirSync(folder)
    .filter((f) => /\.(ts|js)$/.test(f) && !/\.(test|d)\.(ts|js)$/.test(f))
    .sort();
  const types: DeviceType[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, folder).href)) as { default?: DeviceType };
    if (!module.default) throw new Error(`devices/types/${file} has no default export`);
    types.push(module.default);
  }
  return new DeviceCatalog(types);
}
