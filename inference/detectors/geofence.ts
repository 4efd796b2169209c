/** Mean Earth radius (m) of the haversine formula: metres of error over a few km, enough for a 300 m fence. */
const earthRadiusM = 6_371_008.8;
const radians = Math.PI / 180;

/** Great-circle distance in metres between two WGS-84 points (haversine). */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * radians;
  const dLon = (lon2 - lon1) * radians;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * radians) * Math.cos(lat2 * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusM * Math.asin(Math.min(1, Math.sqrt(a)));
}

export type FenceSide = 'inside' | 'outside' | 'unsure';

/**
 * Which side of a home's fence a fix lies on. A fix is outside only when even its accuracy
 * circle is (a poor indoor fix must not send people out at night); inside when its centre is.
 */
export function fenceSide(distanceM: number, radiusM: number, accuracyM: number): FenceSide {
  if (distanceM - accuracyM > radiusM) return 'outside';
  if (distanceM <= radiusM) return 'inside';
  return 'unsure';
}
