import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Gives the event loop back between units of store work. SQLite answers synchronously, so a chain of
 * awaited queries (an alert raised, a ladder step, each open alert's step in a tick) runs on
 * microtasks and never lets the loop read its sockets: measured under overload, such chains held the
 * loop for 25–100 ms, and every device's next message, an SOS among them, waited that long to be read.
 * `await share()` between units goes round the loop once the chain has run `sliceMs` since it last
 * did (sockets first, then the chain goes on); under that it costs nothing and changes no order.
 * Never called inside a transaction: the store's one connection would wait with it.
 */
export class LoopShare {
  private sliceStartedAt = 0;
  /** Set while this turn of the loop is still running: the stretch since `sliceStartedAt` is unbroken. */
  private inTurn = false;
  /** The loop's turn being waited for: whoever comes meanwhile waits for it too, so they go on in the order they came. */
  private waiting: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      sliceMs: number;
      /** Monotonic ms. */
      clock: () => number;
    } = { sliceMs: 5, clock: () => performance.now() },
  ) {}

  /**
   * Resolves at once, or after the loop went round when the stretch has run `sliceMs`. Callers go on in
   * the order they called (an "I'm OK" never overtakes the fall it follows).
   */
  share(): Promise<void> {
    if (this.waiting) return this.waiting;
    const now = this.deps.clock();
    if (!this.inTurn) {
      this.begin(now);
      return Promise.resolve();
    }
    if (now - this.sliceStartedAt < this.deps.sliceMs) return Promise.resolve();
    this.waiting = nextTurn().then(() => {
      this.waiting = null;
      this.begin(this.deps.clock());
    });
    return this.waiting;
  }

  /** A new stretch: it lasts until the loop next reaches its check phase (where `setImmediate` runs). */
  private begin(now: number): void {
    this.sliceStartedAt = now;
    if (this.inTurn) return;
    this.inTurn = true;
    setImmediate(() => {
      this.inTurn = false;
    });
  }
}
