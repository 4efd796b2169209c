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

  /**
   * Where the phone is now (a check-in at a home): the watched position while sharing, else a fresh
   * fix; without geolocation, the position typed in.
   */
  here(): Promise<Position | undefined> {
    if (this.sharing && this.last) return Promise.resolve(this.last);
    if (!('geolocation' in navigator)) return Promise.resolve(this.last);
    return new Promise((resolve) =>
      navigator.geolocation.getCurrentPosition(
        (fix) => {
          this.last = { lat: fix.coords.latitude, lon: fix.coords.longitude };
          resolve(this.last);
        },
        () => resolve(this.last),
        { enableHighAccuracy: true, maximumAge: 0, timeout: 20_000 },
      ),
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

/**
 * Degrees as people copy them: "22.5531", "22.5531°N", "22°33'11\"N" (a southern or western one
 * negative). NaN when it is none of these.
 */
export function parseDegrees(text: string): number {
  const m =
    /^\s*(-?\d+(?:\.\d+)?)\s*°?\s*(?:(\d+(?:\.\d+)?)\s*[′']\s*)?(?:(\d+(?:\.\d+)?)\s*[″"]\s*)?([NSEWnsew北南东西])?\s*$/.exec(
      text,
    );
  if (!m) return Number.NaN;
  const value = Number(m[1]) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
  return m[4] && /[SWsw南西]/.test(m[4]) ? -value : value;
}

/**
 * A position typed by hand: latitude and longitude in their fields, or both pasted into the
 * first ("22.5531, 114.0412", as map apps copy them). Says which one is wrong.
 */
export function parsePosition(latText: string, lonText: string): Position | 'bad_lat' | 'bad_lon' {
  const pair = latText.split(/[,，;\s]+(?=[-\d])/);
  const [latPart, lonPart] = pair.length === 2 && !lonText.trim() ? pair : [latText, lonText];
  const lat = parseDegrees(latPart ?? '');
  const lon = parseDegrees(lonPart ?? '');
  if (!(Math.abs(lat) <= 90)) return 'bad_lat';
  if (!(Math.abs(lon) <= 180)) return 'bad_lon';
  return { lat, lon };
}
