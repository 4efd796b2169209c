import type { Posture } from '../../devices/capabilities.js';
import type { Reading } from '../../ingest/readings.js';

/** A reading of e-0001's radar r-0001 as ingest passes it on, stamped now. */
export function radarReading(posture: Posture, presence = true, targets?: number): Reading {
  return {
    deviceId: 'r-0001',
    deviceType: 'fall_radar',
    elderId: 'e-0001',
    ts: Date.now(),
    receivedAt: Date.now(),
    clockSkewed: false,
    data: { ts: Date.now(), posture, presence, ...(targets === undefined ? {} : { targets }) },
  };
}
