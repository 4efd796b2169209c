import type { DistrictDirectory } from './district-directory.js';

/**
 * The elder's device whose wearer can answer a `notify` (the watch declares it): where a welfare
 * check-in and a service visit's confirmation code are shown. null: the elder has none.
 */
export function notifiedDevice(district: Pick<DistrictDirectory, 'elder'>, elderId: string): string | null {
  const devices = district.elder(elderId)?.devices ?? [];
  return devices.find((d) => d.type.answeredByWearer?.includes('notify'))?.id ?? null;
}
