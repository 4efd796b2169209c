/** Great-circle distance in metres (haversine): good to a few metres at a district's scale. */
export function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(s));
}

export const hasPosition = <T extends { lat: number | null; lon: number | null }>(
  p: T,
): p is T & { lat: number; lon: number } => p.lat !== null && p.lon !== null;
