/** The cluster benchmark's knobs (BENCH_CLUSTER_*) and the two ways of running the hub it sets side by side. */
import { envNumber } from '../lib/verdict.js';

export const ladder = (process.env.BENCH_CLUSTER_HOMES ?? '1000,2000,3000,4000,5000').split(',').map(Number);
/** Each side's time (its start included): no fleet is begun after it, so the whole run stays within 10 min. */
export const sideSeconds = envNumber('BENCH_CLUSTER_SIDE_S', 270);
export const warmUpSeconds = envNumber('BENCH_CLUSTER_WARMUP_S', 4);
export const sustainSeconds = envNumber('BENCH_CLUSTER_SUSTAIN_S', 12);
/** Partitions of the elders (the hub's default CLUSTER_PARTITIONS): each hub process must hold some. */
export const partitions = 64;
/** Servers (hub processes, Redis, PostgreSQL) on core 0; the load processes and this one on core 1. */
export const serverCore = 0;
export const loadCore = 1;

export interface Side {
  key: 'one' | 'two';
  /** As the report names it. */
  title: string;
  processes: number;
  redis: boolean;
}

export const sides: Side[] = [
  { key: 'one', title: '(a) one hub process, PostgreSQL', processes: 1, redis: false },
  { key: 'two', title: '(b) HUB_PROCESSES=2, Redis + PostgreSQL', processes: 2, redis: true },
];
