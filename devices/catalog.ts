import { readdirSync } from 'node:fs';
import { z } from 'zod';
import {
  type Capability,
  capabilityDisplay,
  capabilitySchemas,
  type Measurements,
  type MetricDisplay,
} from './capabilities.js';

/** `always`: in every telemetry message; `when_measured`: left out when not measured. */
export type Reported = 'always' | 'when_measured';

/** An event type a device sends, and what it says about a measurement (a door's `open`: contact open). */
export interface EventSpec {
  sets?: Measurements;
  /**
   * A call for help (an SOS, a fall): never refused by the device's rate limit. A limit exists for
   * devices stuck in a loop; an older person pressing SOS again and again must still be heard.
   */
  alarm?: true;
}

/** The commands of protocol v1 a device may carry out. */
export type Command = 'notify' | 'config';

/** One device type as its file in `devices/types/` declares it. */
export interface DeviceDeclaration {
  name: string;
  label: { zh: string; en: string };
  /** What its telemetry measures, by capability (the field that carries each). */
  measures: Partial<Record<Capability, Reported>>;
  /** The event types it may send. */
  events: Record<string, EventSpec>;
  /** Further fields its events may carry, all optional (e.g. a detector's `confidence`). */
  eventFields?: Record<string, z.ZodType>;
  commands: readonly Command[];
  /**
   * Commands whose `command_ack` is the wearer's own answer (a confirm button on the screen), not
   * just the device's receipt: a welfare check-in or medication reminder goes only to such a device.
   */
  answeredByWearer?: readonly Command[];
  /** Without any message for this long, the device counts as offline. */
  silenceTimeoutMs: number;
  /** One plausible telemetry message at time `ts` for a person in a given state. */
  simulate: (ctx: SimulationContext) => Measurements & { ts: number };
  icon: string;
}

/**
 * A device type as every stage reads it: the declaration, and the schemas and lists derived
 * from it — the gateway and ingest validate with the schemas, device health uses the silence
 * timeout, detectors and rollups read what it measures, the console its metrics and label.
 */
export interface DeviceType extends DeviceDeclaration {
  telemetry: z.ZodObject;
  event: z.ZodObject;
  eventTypes: readonly string[];
  /** The numbers it measures that the console shows, with their words and units. */
  metrics: Array<{ field: Capability } & MetricDisplay>;
}

export interface SimulationContext {
  ts: number;
  /** Deterministic randomness: simulators seed it so a run can be replayed. */
  random: () => number;
  home: { lat: number; lon: number };
}

/** The protocol's device id; `hub` is reserved: `care/hub/…` is the hub's own topic, no device may publish there. */
export const deviceIdPattern = /^(?!hub$)[a-z0-9][a-z0-9-]{2,63}$/;
export const deviceIdRule = 'must match ^[a-z0-9][a-z0-9-]{2,63}$ and not be "hub"';
/**
 * An id a device chose: no control characters. PostgreSQL refuses a NUL in text, so one would fail
 * the store, close the connection without a PUBACK and be sent again for ever, holding up the events
 * behind it; it is answered as invalid instead, as on SQLite.
 */
const deviceChosenId = z
  .string()
  .min(1)
  .max(128)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is refused
  .refine((id) => !/[\u0000-\u001f\u007f]/.test(id), 'must not contain control characters');
/**
 * An event id: protocol.md allows a counter, which a device may send as a JSON number. A whole
 * number from 0 to 2^53 − 1 is taken as its decimal string (so 42 and "42" are one event for
 * de-duplication); any other number is refused, as every other non-string is.
 */
export const eventIdSchema = z.preprocess(
  (id) => (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : id),
  deviceChosenId,
);
export const timestampSchema = z.number().int().min(0).max(8_640_000_000_000_000);

/** Fields every event carries, whatever the device type. */
function eventSchema(types: readonly string[], extra: Record<string, z.ZodType>) {
  return z.object({
    ts: timestampSchema,
    event_id: eventIdSchema,
    type: z.enum([...types, 'command_ack'] as unknown as [string, ...string[]]),
    command_id: deviceChosenId.optional(),
    ...Object.fromEntries(Object.entries(extra).map(([field, schema]) => [field, schema.optional()])),
  });
}

/** A device type from its declaration: its telemetry schema is the capabilities it measures. */
export function defineDeviceType(declaration: DeviceDeclaration): DeviceType {
  const fields = Object.entries(declaration.measures) as Array<[Capability, Reported]>;
  const telemetry = z.object({
    ts: timestampSchema,
    ...Object.fromEntries(
      fields.map(([capability, reported]) => {
        const schema = capabilitySchemas[capability];
        return [capability, reported === 'always' ? schema : schema.optional()];
      }),
    ),
  });
  const eventTypes = Object.keys(declaration.events);
  return {
    ...declaration,
    telemetry,
    event: eventSchema(eventTypes, declaration.eventFields ?? {}),
    eventTypes,
    metrics: fields.flatMap(([field]) => {
      const display = capabilityDisplay[field];
      return display ? [{ field, ...display }] : [];
    }),
  };
}

/** Does a device of this type measure the capability? */
export function measures(type: DeviceType | undefined, capability: Capability): boolean {
  return type?.measures[capability] !== undefined;
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

/**
 * Adding a device type is adding one file to `devices/types/`: it is found here. Tests and tools
 * may add folders of their own (a type declared in a fixture).
 */
export async function loadDeviceCatalog(extraFolders: URL[] = []): Promise<DeviceCatalog> {
  const types: DeviceType[] = [];
  for (const folder of [new URL('./types/', import.meta.url), ...extraFolders]) {
    const files = readdirSync(folder)
      .filter((f) => /\.(ts|js)$/.test(f) && !/\.(test|d)\.(ts|js)$/.test(f))
      .sort();
    for (const file of files) {
      const module = (await import(new URL(file, folder).href)) as { default?: DeviceType };
      if (!module.default) throw new Error(`${new URL(file, folder).pathname} has no default export`);
      types.push(module.default);
    }
  }
  return new DeviceCatalog(types);
}
