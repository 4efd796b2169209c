/** The ingest benchmark's knobs (BENCH_INGEST_*) and the fixed shape of its ladder, memory and overload runs. */
import { openFileLimit } from '../lib/processes.js';
import { envNumber } from '../lib/verdict.js';

export const loadCount = 2;
/**
 * Connected watches at most; past it the ladder raises each watch's rate instead of connecting more.
 * (A process may have 20,000 open files here and cannot raise its hard limit: the hub's sockets, files
 * and inference workers must fit.)
 */
export const maxFleet = Math.min(
  envNumber('BENCH_INGEST_MAX_FLEET', 15_000),
  openFileLimit('self', 'hard') - 2_000,
);
export const fleetSteps = [2_000, 5_000, 10_000, 15_000].filter((n) => n < maxFleet).concat(maxFleet);
/** Messages a second per watch on `maxFleet` connections, after the fleet steps. */
export const rateSteps = [1.5, 2, 3, 4, 6, 8];
export const stepSeconds = envNumber('BENCH_INGEST_STEP_S', 10);
/** Seconds streamed before a step is measured; longer for the hub when the step has devices that never sent. */
export const warmUpSeconds = 2;
export const hubFreshWarmUpSeconds = 5;
/** The hub's shedder takes 10 % more every calm 250 ms: from its floor (5 % kept) to everything in under 3 s. */
export const hubSettleMs = 6_000;
export const rssDevices = Math.min(maxFleet, 10_000);
export const rssStreamSeconds = envNumber('BENCH_INGEST_RSS_S', 20);
export const overloadSeconds = envNumber('BENCH_INGEST_OVERLOAD_S', 15);
export const recoverySeconds = envNumber('BENCH_INGEST_RECOVERY_S', 20);
/** The load side is also the bottleneck when its core is this busy. */
export const loadBusy = 0.95;
export const sosEvery = 100;
export const secret = 'bench-ingest-secret';
