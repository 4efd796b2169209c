import { describe, expect, it } from 'vitest';
import { RestartPace, workerEnvironment } from './hub-processes.js';

describe('restarting a dead hub process', () => {
  it('[HUB-PROCESSES-BACKOFF] a worker that keeps dying at start is restarted ever more slowly, one that lived a while at once', () => {
    const pace = new RestartPace();
    let now = 1_000_000;
    // A crash loop: each worker dies 100 ms after its start.
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      pace.started(now);
      now += 100;
      const wait = pace.died(now);
      waits.push(wait);
      now += wait;
    }
    // Never more than once a second; the pause doubles up to 30 s.
    expect(waits).toEqual([900, 1900, 3900, 7900, 15_900, 29_900, 29_900]);

    // A worker that ran for an hour and then died is replaced at once, and the pause starts over.
    pace.started(now);
    now += 3_600_000;
    expect(pace.died(now)).toBe(0);
    pace.started(now);
    now += 100;
    expect(pace.died(now)).toBe(900);
  });
});

describe('the cores shared among hub processes', () => {
  it('[HUB-PROCESSES-INFERENCE] each process takes its share of the spare cores for inference threads, unless INFERENCE_WORKERS says', () => {
    // 16 cores, 16 processes: one thread each, not 15 each (240 threads fighting for 16 cores).
    expect(workerEnvironment({ inferenceWorkers: 0 }, 16, 16)).toEqual({ INFERENCE_WORKERS: '1' });
    expect(workerEnvironment({ inferenceWorkers: 0 }, 4, 16)).toEqual({ INFERENCE_WORKERS: '3' });
    expect(workerEnvironment({ inferenceWorkers: 0 }, 2, 2)).toEqual({ INFERENCE_WORKERS: '1' });
    // The operator's own number is what every process gets (the workers read the same environment).
    expect(workerEnvironment({ inferenceWorkers: 5 }, 4, 16)).toEqual({});
  });
});
