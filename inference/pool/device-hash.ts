/**
 * The worker a device belongs to: FNV-1a of its id, so the same device lands on the same
 * worker in every run and on every hub node of the same size.
 */
export function workerOf(deviceId: string, workers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % workers;
}
