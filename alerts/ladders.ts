import type { Skill } from '../registry/responder-skills.js';

export type { Skill };

/** Who one step of the ladder offers the task to. */
export interface LadderStep {
  /** Staff offered at this step: the nearest available, within `staffRadiusM` (Infinity: anywhere). */
  staff: number;
  staffRadiusM: number;
  /** Volunteers offered at this step: the nearest available with `skills`, within `radiusM`. */
  volunteers: number;
  radiusM: number;
  skills: Skill[];
  /** Only responders of the elder's own community ("local service"). */
  sameCommunity: boolean;
  /** Who else hears of the alert at this step: the specialist console, the family. */
  escalateTo: Array<'console' | 'family'>;
}

export interface Ladder {
  name: string;
  steps: LadderStep[];
}

const step = (s: Partial<LadderStep>): LadderStep => ({
  staff: 0,
  staffRadiusM: Number.POSITIVE_INFINITY,
  volunteers: 0,
  radiusM: 0,
  skills: [],
  sameCommunity: false,
  escalateTo: [],
  ...s,
});

/**
 * The dispatch ladders (the README shows them as a table); each alert kind names its own in
 * `alert-kinds.ts`. A step that
 * finds nobody, is declined by everyone it offered, or whose offers expire (45 s),
 * moves the ladder to the next step; the last step hands the alert to people.
 */
export const ladders = {
  critical: {
    name: 'critical: fall, SOS, critical vitals',
    steps: [
      step({ staff: 1, volunteers: 3, radiusM: 500, skills: ['first_aid'] }),
      step({ staff: 1, volunteers: 5, radiusM: 1000, skills: ['first_aid'] }),
      step({ staff: 3, volunteers: 8, radiusM: 2000, skills: ['first_aid'] }),
      step({
        staff: 3,
        volunteers: 8,
        radiusM: 2000,
        skills: ['first_aid'],
        escalateTo: ['console', 'family'],
      }),
    ],
  },
  local: {
    name: 'wandering, inactivity, welfare check: local volunteers first',
    steps: [
      step({ volunteers: 3, radiusM: 2000, sameCommunity: true }),
      step({ volunteers: 5, radiusM: 3000, sameCommunity: true, staff: 1 }),
      step({ staff: 2, volunteers: 5, radiusM: 3000, escalateTo: ['console', 'family'] }),
    ],
  },
  health: {
    name: 'vitals (not critical): nursing staff',
    steps: [
      step({ staff: 1, staffRadiusM: 3000 }),
      step({ staff: 2, volunteers: 2, radiusM: 1000, skills: ['nursing'] }),
      step({ staff: 3, escalateTo: ['console', 'family'] }),
    ],
  },
  device: {
    name: 'device problems: staff of the community only',
    steps: [
      step({ staff: 1, sameCommunity: true }),
      step({ staff: 2, sameCommunity: true, escalateTo: ['console'] }),
    ],
  },
} satisfies Record<string, Ladder>;
