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
});
