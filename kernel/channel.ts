/**
 * A typed one-way hand-off between stages: the stage before publishes, the
 * stages after subscribe. A failing subscriber is reported, never allowed to
 * break the publisher or the other subscribers.
 */
export class Channel<T> {
  private readonly subscribers: Array<(message: T) => void | Promise<void>> = [];

  constructor(private readonly onError: (error: unknown, message: T) => void) {}

  subscribe(subscriber: (message: T) => void | Promise<void>): () => void {
    this.subscribers.push(subscriber);
    return () => {
      const i = this.subscribers.indexOf(subscriber);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  publish(message: T): void {
    for (const subscriber of this.subscribers) {
      try {
        const result = subscriber(message);
        if (result) result.catch((error: unknown) => this.onError(error, message));
      } catch (error) {
        this.onError(error, message);
      }
    }
  }
}
