import { describe, expect, it } from 'vitest';
import { WorkSlots } from './work-slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('WorkSlots', () => {
  it('runs at most `width` jobs at once and every job in the end', async () => {
    const slots = new WorkSlots(2);
    let now = 0;
    let most = 0;
    const results = await slots.map([1, 2, 3, 4, 5, 6, 7], async (n) => {
      most = Math.max(most, ++now);
      await tick();
      now--;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(2);
  });

  it('refuses beyond the queue, and a failed job frees its slot', async () => {
    const slots = new WorkSlots(1, 1);
    const first = slots.run(async () => {
      await tick();
      throw new Error('broken');
    });
    const second = slots.run(async () => 'second');
    expect(await slots.run(async () => 'third')).toBe('busy');
    await expect(first).rejects.toThrow('broken');
    expect(await second).toEqual({ done: 'second' });
    expect(await slots.run(async () => 'later')).toEqual({ done: 'later' });
  });
});
