import { describe, expect, it } from 'vitest';
import { parseDegrees, parsePosition } from './location';

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
