import { measures } from '../../devices/catalog.js';
import type { ElderEntry } from '../../registry/district-directory.js';

/**
 * A device of the elder to name on an alert raised by time rather than by a reading: one worn
 * on the body first, then a room sensor, then any.
 */
export function anyDevice(home: ElderEntry | undefined): string | null {
  const devices = home?.devices ?? [];
  const pick =
    devices.find((d) => measures(d.type, 'worn')) ??
    devices.find((d) => measures(d.type, 'presence')) ??
    devices[0];
  return pick?.id ?? null;
}
