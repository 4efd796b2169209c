import { describe, expect, it } from 'vitest';
import { holdsSkill, skillValidity } from './certificates.js';

describe('certificates', () => {
  const volunteer = (expires_on: string) => ({
    skills: new Set(['first_aid', 'visiting'] as const),
    skillsUntil: skillValidity([{ skill: 'first_aid', expires_on }]),
  });

  it('[CERT-LAST-DAY] a first-aid certificate counts through its last day in district time (UTC+8), not a second longer', () => {
    const v = volunteer('2026-06-30');
    expect(holdsSkill(v, 'first_aid', Date.parse('2026-06-30T15:59:59.999Z'))).toBe(true);
    expect(holdsSkill(v, 'first_aid', Date.parse('2026-06-30T16:00:00.000Z'))).toBe(false);
    // Only the skill it vouches for goes; the others stay.
    expect(holdsSkill(v, 'visiting', Date.parse('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('[CERT-NONE-ON-RECORD] a skill with no certificate on record is held as given, and a certificate gives no skill the responder lacks', () => {
    expect(
      holdsSkill({ skills: new Set(['first_aid'] as const), skillsUntil: {} }, 'first_aid', Date.now()),
    ).toBe(true);
    expect(
      holdsSkill(
        { skills: new Set(), skillsUntil: volunteer('2099-01-01').skillsUntil },
        'first_aid',
        Date.now(),
      ),
    ).toBe(false);
  });
});
