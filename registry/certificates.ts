import { dayEndsAt } from '../kernel/calendar-day.js';
import type { Skill } from './responder-skills.js';

/** When each certificate-backed skill of a responder stops counting (ms); a skill absent here needs none. */
export type SkillValidity = Partial<Record<Skill, number>>;

/** The certificates' last valid days as moments: valid through the whole district day. */
export function skillValidity(
  certificates: ReadonlyArray<{ skill: string; expires_on: string }>,
): SkillValidity {
  const until: SkillValidity = {};
  for (const c of certificates) until[c.skill as Skill] = dayEndsAt(c.expires_on);
  return until;
}

/**
 * Does the responder hold the skill now? Asked at each match against the clock, so that a
 * certificate running out takes its skill out of matching without a reload or a restart.
 */
export function holdsSkill(
  responder: { skills: ReadonlySet<Skill>; skillsUntil: SkillValidity },
  skill: Skill,
  now: number,
): boolean {
  const until = responder.skillsUntil[skill];
  return responder.skills.has(skill) && (until === undefined || now < until);
}
