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
  /** When `last` was taken (ms): a check-in asks for a newer one when it is old. */
  private lastAt = 0;
  /** `last` was typed in: the responder's word for where they are, kept over the phone's guess. */
  private typed = false;
  private watch: number | undefined;
  private sentAt = 0;

  constructor(private readonly send: (p: Position) => Promise<void>) {}

  get sharing(): boolean {
    return this.watch !== undefined;
  }

  /**
   * Watches the position; `onError` when it may not be had (refused, or no geolocation), `onFirstFix`
   * when the first arrives. A fix missing for a while (indoors, a timeout) does not end the watch:
   * the phone goes on trying, as a responder on the way expects.
   */
  start(onError: () => void, onFirstFix: () => void = () => undefined): void {
    if (!('geolocation' in navigator)) {
      onError();
      return;
    }
    this.watch = navigator.geolocation.watchPosition(
      (fix) => {
        const first = this.last === undefined;
        void this.set({ lat: fix.coords.latitude, lon: fix.coords.longitude }, 'watched');
        if (first) onFirstFix();
      },
      (error) => {
        if (error.code !== error.PERMISSION_DENIED) return;
        this.stop();
        onError();
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 },
    );
  }

  /**
   * Where the phone is now (a check-in at a home): the position typed in, or the watched one if it is
   * under 10 s old, else a fresh fix, else the last one known (watched before the fix was lost).
   */
  here(): Promise<Position | undefined> {
    if (this.last && (this.typed || (this.sharing && Date.now() - this.lastAt < 10_000)))
      return Promise.resolve(this.last);
    if (!('geolocation' in navigator)) return Promise.resolve(this.last);
    return new Promise((resolve) =>
      navigator.geolocation.getCurrentPosition(
        (fix) => {
          this.remember({ lat: fix.coords.latitude, lon: fix.coords.longitude }, 'watched');
          resolve(this.last);
        },
        () => resolve(this.last),
        { enableHighAccuracy: true, maximumAge: 0, timeout: 10_000 },
      ),
    );
  }

  stop(): void {
    if (this.watch !== undefined) navigator.geolocation.clearWatch(this.watch);
    this.watch = undefined;
  }

  private remember(position: Position, source: 'typed' | 'watched'): void {
    this.last = position;
    this.lastAt = Date.now();
    this.typed = source === 'typed';
  }

  /** A position typed in is sent at once; a watched one at most every 15 s. */
  async set(position: Position, source: 'typed' | 'watched'): Promise<void> {
    this.remember(position, source);
    if (source === 'watched' && Date.now() - this.sentAt < 15_000) return;
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
