import { describe, expect, it } from 'vitest';
import { ageOn } from './elder-age';

describe('an elder’s age', () => {
  it('[ELDER-AGE] counts whole years: the birthday itself adds one, the day before does not', () => {
    expect(ageOn('1938-05-20', new Date(2026, 4, 19))).toBe(87);
    expect(ageOn('1938-05-20', new Date(2026, 4, 20))).toBe(88);
    expect(ageOn('1938-12-31', new Date(2026, 11, 3))).toBe(87);
    expect(ageOn('1940-02-29', new Date(2026, 1, 28))).toBe(85);
    expect(ageOn('1940-02-29', new Date(2026, 2, 1))).toBe(86);
  });
});
