/** What a responder can do; a ladder step asks for some of them. No imports: the console reads it too. */
export const skills = ['first_aid', 'nursing', 'visiting', 'tech_help', 'meal_delivery'] as const;
export type Skill = (typeof skills)[number];
