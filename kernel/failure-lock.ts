/**
 * Failures per key (a username signing in, an address sending device CONNECTs): after
 * `maxFailures` within `windowMs`, the key is locked for `lockMs` — a secret cannot be guessed at
 * the speed of the network. A success clears it. Per hub node, in memory.
 */
export class FailureLock {
  private readonly failures = new Map<string, { count: number; since: number; lockedUntil: number }>();

  constructor(
    private readonly rules: { maxFailures: number; windowMs: number; lockMs: number; now: () => number },
  ) {}

  /** ms until the key may try again; 0 when it may now. */
  lockedFor(key: string): number {
    const f = this.failures.get(key);
    return f ? Math.max(0, f.lockedUntil - this.rules.now()) : 0;
  }

  failed(key: string): void {
    const now = this.rules.now();
    const f = this.failures.get(key);
    if (!f || now - f.since > this.rules.windowMs) {
      this.failures.set(key, { count: 1, since: now, lockedUntil: 0 });
    } else if (++f.count >= this.rules.maxFailures) {
      f.lockedUntil = now + this.rules.lockMs;
      f.count = 0;
      f.since = now;
    }
    // Bounded memory under a spray of made-up keys: the oldest entries go first.
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
