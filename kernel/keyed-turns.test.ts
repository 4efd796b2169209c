import { describe, expect, it } from 'vitest';
import { KeyedTurns } from './keyed-turns.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('KeyedTurns', () => {
  it('[KEYED-TURNS] one key’s work runs in order, a failure fails only its caller; other keys run meanwhile', async () => {
    const turns = new KeyedTurns();
    const order: string[] = [];
    const slow = turns.run('a', async () => {
      await tick();
      order.push('a1');
    });
    const failing = turns.run('a', async () => {
      order.push('a2');
      throw new Error('store refused');
    });
    const after = turns.run('a', async () => {
      order.push('a3');
      return 3;
    });
    const other = turns.run('b', async () => {
      order.push('b1');
    });
    await expect(failing).rejects.toThrow('store refused');
    expect(await after).toBe(3);
    await Promise.all([slow, other]);
    expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
    await turns.idle();
  });
});
