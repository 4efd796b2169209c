import { z } from 'zod';

/**
 * The per-elder settings the detectors read: the limits of the vitals alert, the quiet hours of
 * night wandering, the home's fence, the inactivity span and the fall cancel window. Each is one
 * number; an elder's own value overrides the nearest org unit's above them, which overrides the
 * hub's (its configuration).
 */
export const careSettingLimits = {
  heart_rate_low: { min: 30, max: 100, unit: 'bpm', about: 'heart rate below this is out of range' },
  heart_rate_high: { min: 60, max: 200, unit: 'bpm', about: 'heart rate above this is out of range' },
  spo2_low: { min: 70, max: 99, unit: '%', about: 'SpO2 below this is out of range' },
  quiet_start_hour: {
    min: 0,
    max: 23,
    unit: 'h',
    about: 'local hour the quiet hours (night wandering) begin',
  },
  quiet_end_hour: { min: 0, max: 23, unit: 'h', about: 'local hour the quiet hours end (may wrap midnight)' },
  geofence_radius_m: { min: 50, max: 5000, unit: 'm', about: 'the home’s fence around the elder’s location' },
  inactivity_span_min: { min: 60, max: 2880, unit: 'min', about: 'waking time with no activity that alerts' },
  fall_cancel_window_s: { min: 0, max: 600, unit: 's', about: 'time the wearer has to press “I’m OK”' },
} as const;

export type CareSettingName = keyof typeof careSettingLimits;
export const careSettingNames = Object.keys(careSettingLimits) as CareSettingName[];
export type CareSettingValues = Record<CareSettingName, number>;
export type CareSettingOverrides = Partial<CareSettingValues>;

const numberOf = (name: CareSettingName) => {
  const { min, max, unit } = careSettingLimits[name];
  return z
    .number()
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min} ${unit}`)
    .max(max, `${name} must be at most ${max} ${unit}`);
};
const about = (name: CareSettingName) => {
  const { min, max, unit, about } = careSettingLimits[name];
  return `${about} (${unit}, ${min}–${max})`;
};
const changeOf = (name: CareSettingName) =>
  numberOf(name)
    .nullable()
    .optional()
    .describe(`${about(name)}; null: back to the unit default`);

/**
 * An org unit's defaults in the district document (`org_units[].settings`): given, they replace
 * the unit's stored ones; a setting left out falls back to the units above, then the hub.
 */
export const unitSettingsSchema = z
  .strictObject(
    Object.fromEntries(
      careSettingNames.map((name) => [name, numberOf(name).optional().describe(about(name))]),
    ) as { [K in CareSettingName]: z.ZodOptional<ReturnType<typeof numberOf>> },
  )
  .refine(
    (s) =>
      s.heart_rate_low === undefined ||
      s.heart_rate_high === undefined ||
      s.heart_rate_low < s.heart_rate_high,
    { message: 'heart_rate_low must be below heart_rate_high', path: ['heart_rate_low'] },
  )
  .refine((s) => s.quiet_start_hour === undefined || s.quiet_start_hour !== s.quiet_end_hour, {
    message: 'quiet hours must not start and end at the same hour',
    path: ['quiet_end_hour'],
  });

/** A change: the settings named are set (a number) or cleared back to the unit default (null). */
export const careSettingsChangeSchema = z
  .strictObject(
    Object.fromEntries(careSettingNames.map((name) => [name, changeOf(name)])) as {
      [K in CareSettingName]: ReturnType<typeof changeOf>;
    },
  )
  .refine((change) => Object.keys(change).length > 0, 'name at least one setting to set or clear');
export type CareSettingsChange = z.infer<typeof careSettingsChangeSchema>;

/** What is wrong with a set of effective values taken together (empty: nothing). */
export function conflictsOf(values: CareSettingValues): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (values.heart_rate_low >= values.heart_rate_high)
    issues.push({
      path: 'heart_rate_low',
      message: `heart_rate_low (${values.heart_rate_low}) must be below heart_rate_high (${values.heart_rate_high})`,
    });
  if (values.quiet_start_hour === values.quiet_end_hour)
    issues.push({
      path: 'quiet_end_hour',
      message: `quiet hours must not start and end at the same hour (${values.quiet_start_hour})`,
    });
  return issues;
}

/** One stored setting: an elder's own or an org unit's. */
export interface StoredCareSetting {
  owner_kind: 'elder' | 'org_unit';
  owner_id: string;
  name: string;
  value: number;
}

/** Where an effective value comes from: the elder's own, or the default of the unit (`from`: a unit id, or `hub`). */
export interface EffectiveCareSetting {
  value: number;
  source: 'elder' | 'unit';
  unit_default: number;
  unit_default_from: string;
}

type Inherited = Partial<Record<CareSettingName, { value: number; from: string }>>;

/**
 * What an elder's org units set: for each setting the value of the nearest unit on the path
 * (`/futian/lianhua/jingtian/`, deepest first) that sets it, and which unit that is.
 */
export function inheritedSettings(
  unitPath: string,
  byUnit: ReadonlyMap<string, CareSettingOverrides>,
): Inherited {
  const chain = unitPath.split('/').filter(Boolean).reverse();
  const out: Inherited = {};
  for (const name of careSettingNames) {
    const unit = chain.find((id) => byUnit.get(id)?.[name] !== undefined);
    if (unit) out[name] = { value: byUnit.get(unit)![name]!, from: unit };
  }
  return out;
}

/** What the detectors apply for an elder beyond their own rules: the elder's values over their units'. */
export function overridesOf(own: CareSettingOverrides, inherited: Inherited): CareSettingOverrides {
  const out: CareSettingOverrides = {};
  for (const name of careSettingNames) {
    const value = own[name] ?? inherited[name]?.value;
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The effective settings of an elder with where each comes from (the unit default: a unit's, else the hub's). */
export function effectiveSettings(
  own: CareSettingOverrides,
  inherited: Inherited,
  hub: CareSettingValues,
): Record<CareSettingName, EffectiveCareSetting> {
  const out = {} as Record<CareSettingName, EffectiveCareSetting>;
  for (const name of careSettingNames) {
    const mine = own[name];
    const unit = inherited[name] ?? { value: hub[name], from: 'hub' };
    out[name] = {
      value: mine ?? unit.value,
      source: mine === undefined ? 'unit' : 'elder',
      unit_default: unit.value,
      unit_default_from: unit.from,
    };
  }
  return out;
}
