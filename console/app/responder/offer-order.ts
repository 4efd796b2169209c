import { type Offer, severityRank } from '../types';

/**
 * The order the phone lists offers in: the most urgent first, then the nearest, then the one
 * expiring soonest. The one to take is at the top, not below the fold.
 */
export function offerOrder(a: Offer, b: Offer): number {
  const rank = (o: Offer) => severityRank[o.severity as keyof typeof severityRank] ?? severityRank.low + 1;
  return rank(a) - rank(b) || a.distance_m - b.distance_m || a.expires_at - b.expires_at;
}
