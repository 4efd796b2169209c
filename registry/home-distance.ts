import { distance } from 'geokdbush';

/** A place on the map (WGS 84 degrees). */
export interface Position {
  lat: number;
  lon: number;
}

export type OnSite = { ok: true; distance_m: number } | { ok: false; distance_m: number };

/**
 * Whether someone standing at `at` is at the elder's home: within `radiusM` of it. Both an alert's
 * check-in and a service order's check-in and check-out ask this. A home without a known location
 * cannot be checked and counts as reached (0 m), as it always has for alerts.
 */
export function onSite(
  home: { lat: number | null; lon: number | null },
  at: Position,
  radiusM: number,
): OnSite {
  const away =
    home.lat === null || home.lon === null
      ? 0
      : Math.round(distance(at.lon, at.lat, home.lon, home.lat) * 1000);
  return { ok: away <= radiusM, distance_m: away };
}
