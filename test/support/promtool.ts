import { need, programAt, programNeed } from './services.js';

/** Prometheus's promtool (Debian's `prometheus`): TEST_PROMTOOL, else /usr/bin/promtool. */
export const promtool = programNeed('promtool', 'TEST_PROMTOOL', 'the promtool program', () =>
  programAt('/usr/bin/promtool'),
);

/** The path of promtool, for a test that runs it; a clear error when it is missing. */
export function promtoolPath(): string {
  return need(promtool);
}
