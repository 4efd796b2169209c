import { performance } from 'node:perf_hooks';

export interface ReadCoalescingRules {
  /** How long the loop waits between polls while it coalesces. */
  napMs: number;
  /** Reads a second (every socket together) from which waking per read costs enough to coalesce. */
  busyReadsPerSecond: number;
  /** How often the read rate is looked at. */
  checkMs: number;
  /** Work since the last wait past which the loop is busy enough to gather many reads a poll on its own. */
  busyWorkMs: number;
}

export const readCoalescing: ReadCoalescingRules = {
  napMs: 1,
  busyReadsPerSecond: 5_000,
  checkMs: 200,
  busyWorkMs: 1,
};

/**
 * Fewer wakes of the event loop for the same reads. When many sockets each send a little, the loop wakes
 * for one or two of them at a time, and each wake (epoll, the scheduler) costs here about what the read
 * itself costs: a bare C server took 7–9 µs a message woken for each, ~4 µs when it waited 1 ms between
 * polls; a bare Node server 11.5–12.8 µs and 5.1–7.9 µs. So while sockets are read often
 * (`busyReadsPerSecond`) and the loop is light, it waits `napMs` between polls, blocked and using no CPU,
 * and then reads at once every socket that became readable meanwhile: a message waits that much longer.
 * A loop with more than `busyWorkMs` of work since its last wait does not wait: a busy loop gathers many
 * sockets a poll on its own, and a wait would only take time from it.
 */
export class ReadCoalescing {
  private readonly cell = new Int32Array(new SharedArrayBuffer(4));
  private readonly check: NodeJS.Timeout;
  private nap: NodeJS.Timeout | undefined;
  private readsAtCheck = 0;
  /** The loop's utilisation when it last woke: the work since is `active` from it (poll's idle not counted). */
  private woke = performance.eventLoopUtilization();
  /** Waits taken (`yiyang_mqtt_read_waits_total`), and passed because the loop was busy. */
  waits = 0;
  passed = 0;

  constructor(
    /** Reads so far, every socket together. */
    private readonly reads: () => number,
    private readonly rules: ReadCoalescingRules = readCoalescing,
  ) {
    this.check = setInterval(() => this.decide(), rules.checkMs).unref();
  }

  private decide(): void {
    const reads = this.reads();
    const perSecond = ((reads - this.readsAtCheck) * 1000) / this.rules.checkMs;
    this.readsAtCheck = reads;
    const busy = perSecond >= this.rules.busyReadsPerSecond;
    if (busy && !this.nap) {
      this.woke = performance.eventLoopUtilization();
      this.nap = setInterval(() => this.wait(), this.rules.napMs).unref();
    } else if (!busy && this.nap) {
      clearInterval(this.nap);
      this.nap = undefined;
    }
  }

  private wait(): void {
    if (performance.eventLoopUtilization(this.woke).active < this.rules.busyWorkMs) {
      Atomics.wait(this.cell, 0, 0, this.rules.napMs);
      this.waits++;
    } else this.passed++;
    this.woke = performance.eventLoopUtilization();
  }

  stop(): void {
    clearInterval(this.check);
    if (this.nap) clearInterval(this.nap);
    this.nap = undefined;
  }
}
