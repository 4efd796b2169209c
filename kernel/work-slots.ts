/**
 * At most `width` jobs at once, at most `maxWaiting` queued behind them. Slow hashes run on libuv's
 * small thread pool, which device secret checks, file and DNS work share: a burst of sign-ins or a
 * district import with thousands of secrets must take only part of it, never all.
 */
export class WorkSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly width: number,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  /** Runs the job in a slot; `busy` (not run) when the queue is already full. */
  async run<T>(job: () => Promise<T>): Promise<{ done: T } | 'busy'> {
    if (this.running >= this.width) {
      if (this.waiting.length >= this.maxWaiting) return 'busy';
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return { done: await job() };
    } finally {
      // The slot passes straight to the next in line, so the count never drops and rises again.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Every item through `job`, `width` at a time (never refused), results in the items' order. */
  async map<I, T>(items: readonly I[], job: (item: I) => Promise<T>): Promise<T[]> {
    const results = new Array<T>(items.length);
    let next = 0;
    // `width` takers pulling the next item: no queue of thousands of waiting promises.
    const taker = async () => {
      while (next < items.length) {
        const i = next++;
        const result = await this.run(() => job(items[i]!));
        if (result === 'busy') throw new Error('WorkSlots refused work it was given to map');
        results[i] = result.done;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.width, items.length) }, taker));
    return results;
  }
}
