/**
 * Failed sign-ins per username: after `maxFailures` within `windowMs`, the username is locked
 * for `lockMs` — a password cannot be guessed at the speed of the API. A success clears it.
 * Per hub node: an attacker spread over nodes meets the per-address limit too.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number; lockedUntil: number }>();

  constructor(
    private readonly rules: { maxFailures: number; windowMs: number; lockMs: number; now: () => number },
  ) {}

  /** ms until the username may try again; 0 when it may now. */
  lockedFor(username: string): number {
    const f = this.failures.get(username);
    return f ? Math.max(0, f.lockedUntil - this.rules.now()) : 0;
  }

  failed(username: string): void {
    const now = this.rules.now();
    const f = this.failures.get(username);
    if (!f || now - f.since > this.rules.windowMs) {
      this.failures.set(username, { count: 1, since: now, lockedUntil: 0 });
    } else if (++f.count >= this.rules.maxFailures) {
      f.lockedUntil = now + this.rules.lockMs;
      f.count = 0;
      f.since = now;
    }
    // Bounded memory under a spray of made-up usernames: the oldest entries go first.
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(username: string): void {
    this.failures.delete(username);
  }
}
