/**
 * Work for one key (an elder, a device, a responder) run one piece after another, other keys' at
 * the same time: a piece that writes the store and then the memory is never overtaken by the next
 * piece of the same key, so the two always agree. A failed piece fails its own caller only.
 */
export class KeyedTurns {
  private readonly queues = new Map<string, Promise<void>>();

  /** Runs `work` after the key's work queued before it; settles as `work` does. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const done = (this.queues.get(key) ?? Promise.resolve()).then(work);
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return done;
  }

  /** Whether any key's work is queued or running. */
  get busy(): boolean {
    return this.queues.size > 0;
  }

  /** Resolves once the work queued so far, and any queued meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }
}
