export interface Position {
  lat: number;
  lon: number;
}

/**
 * The responder's position: from the browser's geolocation when allowed, else typed in by
 * hand. Sent to the hub at most every 15 s while moving, so matching knows who is near.
 */
export class LocationShare {
  last: Position | undefined;
  private watch: number | undefined;
  private sentAt = 0;

  constructor(private readonly send: (p: Position) => Promise<void>) {}

  get sharing(): boolean {
    return this.watch !== undefined;
  }

  /** Watches the position; `onError` when there is none to be had, `onFirstFix` when the first arrives. */
  start(onError: () => void, onFirstFix: () => void = () => undefined): void {
    if (!('geolocation' in navigator)) {
      onError();
      return;
    }
    this.watch = navigator.geolocation.watchPosition(
      (fix) => {
        const first = this.last === undefined;
        void this.set({ lat: fix.coords.latitude, lon: fix.coords.longitude }, false);
        if (first) onFirstFix();
      },
      () => {
        this.stop();
        onError();
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 },
    );
  }

  stop(): void {
    if (this.watch !== undefined) navigator.geolocation.clearWatch(this.watch);
    this.watch = undefined;
  }

  async set(position: Position, force: boolean): Promise<void> {
    this.last = position;
    if (!force && Date.now() - this.sentAt < 15_000) return;
    this.sentAt = Date.now();
    await this.send(position);
  }
}
