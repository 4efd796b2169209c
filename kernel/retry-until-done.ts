/**
 * A step that must succeed in the end, e.g. resuming the falls of elders taken over, or restarting a
 * detector after partitions moved: a fall left in its window must still be raised, however long the
 * store is away. Tried at once; after a failure again `firstMs` later, twice as long each time up to
 * `maxMs`, until it succeeds or `stop()`.
 *
 * Steps run one at a time, in the order given. A new step replaces the pending retry of the one before:
 * the callers' steps each redo all that the one before would have (they read the store afresh).
 */
export class RetryUntilDone {
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly firstMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly deps: {
      /** A try failed; the next is in `retryInMs` (the caller logs it, with its own component). */
      onFailure: (error: unknown, retryInMs: number) => void;
      firstMs?: number;
      maxMs?: number;
    },
  ) {
    this.firstMs = deps.firstMs ?? 1000;
    this.maxMs = deps.maxMs ?? 30_000;
  }

  /** Tries again after a `stop()`. */
  start(): void {
    this.stopped = false;
  }

  /**
   * Runs `step` after the steps before it, and again after each failure. Resolves after the first try,
   * never rejects: the failure goes to `onFailure`. `attempt` is 0 on the first try, then 1, 2…
   */
  run(step: (attempt: number) => Promise<void>): Promise<void> {
    return this.queue(step, 0, this.firstMs);
  }

  /** Cancels the pending retry and refuses any more; resolves once the try in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Resolves once the steps queued so far have been tried (not their later retries). */
  async idle(): Promise<void> {
    await this.chain;
  }

  private queue(step: (attempt: number) => Promise<void>, attempt: number, delayMs: number): Promise<void> {
    this.chain = this.chain.then(() => this.attempt(step, attempt, delayMs));
    return this.chain;
  }

  private async attempt(step: (attempt: number) => Promise<void>, attempt: number, delayMs: number) {
    clearTimeout(this.timer); // superseded: this step redoes what the pending retry would have
    this.timer = undefined;
    if (this.stopped) return;
    try {
      await step(attempt);
    } catch (error) {
      if (this.stopped) return;
      this.deps.onFailure(error, delayMs);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.queue(step, attempt + 1, Math.min(delayMs * 2, this.maxMs));
      }, delayMs);
    }
  }
}
