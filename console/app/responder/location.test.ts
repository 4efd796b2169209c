import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocationShare, type Position, parseDegrees, parsePosition } from './location';

describe('a position typed or pasted by hand', () => {
  it('[RESPONDER-MANUAL-LOCATION] takes decimal degrees, degrees-minutes-seconds and a pasted "lat, lon" pair; names the wrong field', () => {
    expect(parsePosition('22.5531', '114.0412')).toEqual({ lat: 22.5531, lon: 114.0412 });
    expect(parsePosition('22.5531, 114.0412', '')).toEqual({ lat: 22.5531, lon: 114.0412 });
    expect(parsePosition('22.5531，114.0412', '')).toEqual({ lat: 22.5531, lon: 114.0412 });
    expect(parseDegrees(`22°33'11"N`)).toBeCloseTo(22.553055, 5);
    expect(parseDegrees('33°52′S')).toBeCloseTo(-33.866667, 5);
    expect(parseDegrees('114.0412°东')).toBeCloseTo(114.0412, 6);
    expect(parsePosition('95', '114')).toBe('bad_lat');
    expect(parsePosition('22.5', '')).toBe('bad_lon');
    expect(parsePosition('景田', '114')).toBe('bad_lat');
    expect(parsePosition('22.5', '190')).toBe('bad_lon');
  });
});

/** The browser's geolocation as a test drives it: the watch's callbacks, and the fix a one-off read gets. */
function fakeGeolocation() {
  const watch: { fix?: (p: GeolocationPosition) => void; error?: (e: GeolocationPositionError) => void } = {};
  const state = { now: undefined as Position | undefined, reads: 0 };
  const fix = (p: Position) => ({ coords: { latitude: p.lat, longitude: p.lon } }) as GeolocationPosition;
  const error = (code: number) => ({ code, PERMISSION_DENIED: 1 }) as GeolocationPositionError;
  vi.stubGlobal('navigator', {
    geolocation: {
      watchPosition: (ok: typeof watch.fix, fail: typeof watch.error) => {
        watch.fix = ok;
        watch.error = fail;
        return 1;
      },
      clearWatch: () => undefined,
      getCurrentPosition: (
        ok: (p: GeolocationPosition) => void,
        fail: (e: GeolocationPositionError) => void,
      ) => {
        state.reads++;
        if (state.now) ok(fix(state.now));
        else fail(error(2));
      },
    },
  });
  return {
    state,
    watched: (p: Position) => watch.fix!(fix(p)),
    failed: (code: number) => watch.error!(error(code)),
  };
}

describe('the responder’s shared position', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
  const road = { lat: 22.55, lon: 114.04 };
  const door = { lat: 22.5531, lon: 114.0412 };

  it('[RESPONDER-LOCATION-LOST] a fix lost for a while keeps the sharing on; the check-in asks where the phone is now, not where it last was', async () => {
    vi.useFakeTimers();
    const geo = fakeGeolocation();
    const share = new LocationShare(async () => undefined);
    const refused = vi.fn();
    share.start(refused);
    geo.watched(road);
    // Indoors: no fix, then a timeout. Still sharing, nobody told it failed.
    geo.failed(2);
    geo.failed(3);
    expect(share.sharing).toBe(true);
    expect(refused).not.toHaveBeenCalled();
    // At the door 30 s later: the last watched fix is the road's, so the check-in reads the phone again.
    vi.advanceTimersByTime(30_000);
    geo.state.now = door;
    expect(await share.here()).toEqual(door);
    expect(geo.state.reads).toBe(1);
    // A fresh watched fix is used as it is.
    geo.watched(road);
    expect(await share.here()).toEqual(road);
    expect(geo.state.reads).toBe(1);
    // Refused: the sharing ends and says so.
    geo.failed(1);
    expect(share.sharing).toBe(false);
    expect(refused).toHaveBeenCalledOnce();
  });

  it("[RESPONDER-LOCATION-TYPED] a position typed in is the check-in's, and without any fix the last one known", async () => {
    const geo = fakeGeolocation();
    const sent: Position[] = [];
    const share = new LocationShare(async (p) => {
      sent.push(p);
    });
    await share.set(door, 'typed');
    geo.state.now = road;
    expect(await share.here()).toEqual(door);
    expect(geo.state.reads).toBe(0);
    expect(sent).toEqual([door]);
    // Watched positions are sent at most every 15 s; the one not sent is still where the phone is.
    share.start(() => undefined);
    geo.watched(road);
    expect(sent).toEqual([door]);
    expect(await share.here()).toEqual(road);
    // Sharing stopped and no fix to be had: the last position known.
    share.stop();
    geo.state.now = undefined;
    expect(await share.here()).toEqual(road);
    expect(geo.state.reads).toBe(1);
  });
});
