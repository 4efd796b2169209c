/**
 * The seed's three generations of volunteers (老中青): 夕阳红 the young old, 中坚 the middle-aged,
 * 种子力量 the young. A fixed set; no imports, the console reads it too.
 */
export const ageGroups = ['senior', 'middle', 'young'] as const;
export type AgeGroup = (typeof ageGroups)[number];
