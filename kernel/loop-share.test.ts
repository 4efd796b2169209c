import { describe, expect, it } from 'vitest';
import { LoopShare } from './loop-share.js';

/** A chain of `units` awaited steps of store work, each `unitMs` long on a clock the test moves. */
async function chain(units: number, unitMs: number, share: boolean, log: string[]): Promise<void> {
  let clock = 0;
  const turns = new LoopShare({ sliceMs: 5, clock: () => clock });
  for (let i = 0; i < units; i++) {
    if (share) await turns.share();
    await Promise.resolve(); // a synchronous SQLite answer: a microtask, never a turn of the loop
    clock += unitMs;
    log.push(`unit ${i}`);
  }
}

describe('LoopShare', () => {
  it('[LOOP-SHARE] a long chain of store work lets the loop go round once it has run 5 ms', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('socket read'));
    await chain(10, 1, true, log);
    // 5 units of 1 ms, then the loop's turn (what was waiting to be read), then the rest
    expect(log.indexOf('socket read')).toBe(5);
  });

  it('[LOOP-SHARE] a short chain keeps its order: nothing waits for the loop under the slice', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('socket read'));
    await chain(4, 1, true, log);
    log.push('chain done');
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['unit 0', 'unit 1', 'unit 2', 'unit 3', 'chain done', 'socket read']);
  });

  it('[LOOP-SHARE] without it the whole chain runs before anything else (what the hub did)', async () => {
    const log: string[] = [];
    setImmediate(() => log.push('socket read'));
    await chain(10, 1, false, log);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.indexOf('socket read')).toBe(10);
  });

  it('[LOOP-SHARE] whoever comes while the chain waits for the loop waits too: they go on in the order they came', async () => {
    let clock = 0;
    const turns = new LoopShare({ sliceMs: 5, clock: () => clock });
    const order: string[] = [];
    let fall: Promise<unknown> = Promise.resolve();
    let ok: Promise<unknown> = Promise.resolve();
    await new Promise<void>((done) =>
      setImmediate(() => {
        void turns.share(); // a stretch begins in this turn's check phase: it ends in the next one's
        // an "I'm OK" read in the next turn, before the fall's wait is over (a new stretch by then)
        setImmediate(() => {
          ok = turns.share().then(() => order.push("I'm OK"));
          done();
        });
        clock += 6;
        fall = turns.share().then(() => order.push('fall')); // past the slice: waits for the next turn
      }),
    );
    await Promise.all([fall, ok]);
    expect(order).toEqual(['fall', "I'm OK"]);
  });
});
