import { z } from 'zod';

/** The rule of an id (org unit, elder, responder, username); Node-free, the console's types read it. */
export const entityId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, dots, dashes or underscores');
/** A person's or a unit's name. */
export const personName = z.string().trim().min(1).max(100);
