import { describe, expect, it } from 'vitest';
import type { Offer } from '../types';
import { offerOrder } from './offer-order';

const offer = (id: string, severity: string, distance_m: number, expires_at = 1000): Offer => ({
  offer_id: id,
  alert_id: `a-${id}`,
  kind: 'sos',
  severity,
  distance_m,
  expires_at,
});

describe('the phone’s offers', () => {
  it('[RESPONDER-OFFER-ORDER] most urgent first, then nearest, then the one expiring soonest — never oldest first', () => {
    // Arrived in this order: the oldest is a far, less urgent one.
    const arrived = [
      offer('old-far-high', 'high', 1800),
      offer('critical-far', 'critical', 900),
      offer('high-near', 'high', 200),
      offer('critical-near-later', 'critical', 300, 2000),
      offer('critical-near-sooner', 'critical', 300, 1500),
    ];
    expect([...arrived].sort(offerOrder).map((o) => o.offer_id)).toEqual([
      'critical-near-sooner',
      'critical-near-later',
      'critical-far',
      'high-near',
      'old-far-high',
    ]);
  });
});
