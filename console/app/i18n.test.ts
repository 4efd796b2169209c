import { describe, expect, it, vi } from 'vitest';

describe('the console’s texts', () => {
  it('[I18N-KEYS-ONCE] no text key is defined by two dictionaries (one would silently replace the other)', async () => {
    // The module reads the chosen language from the browser's storage as it loads.
    vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
    const { t, textKeysDefinedTwice } = await import('./i18n');
    expect(textKeysDefinedTwice([{ a: '甲' }, { a: '乙', b: '丙' }])).toEqual(['a']);
    expect(textKeysDefinedTwice()).toEqual([]);
    // The device board's word stays a word.
    expect(t('offline')).toBe('离线');
    vi.unstubAllGlobals();
  });

  it('[I18N-DISTRICT-CLOCK] times are the district’s clock from the hub’s offset, whatever the zone the browser runs in', async () => {
    vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
    const { formatClock, formatTime } = await import('./i18n');
    const { learnDistrictClock, localDay } = await import('./district-time');
    const at = Date.UTC(2026, 11, 5, 1, 30); // 01:30 UTC
    // Before sign-in, and with the hub's default: China's time.
    expect(formatClock(at)).toBe('09:30');
    expect(formatTime(at)).toBe('2026/12/5 09:30:00');
    learnDistrictClock(-300);
    expect(formatClock(at)).toBe('20:30');
    expect(formatTime(at)).toBe('2026/12/4 20:30:00');
    expect(localDay(at)).toBe('2026-12-04');
    learnDistrictClock(480);
    vi.unstubAllGlobals();
  });
});
