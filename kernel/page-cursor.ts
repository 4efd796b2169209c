import { z } from 'zod';

/**
 * An opaque page cursor for a list read newest first by (time, id): base64url of `[time, id]`.
 * The schema turns a caller's text back into `{ at, id }` or answers "not a cursor of this list".
 */
export const timeCursorSchema = z
  .string()
  .max(200)
  .transform((text, ctx): { at: number; id: string } => {
    try {
      const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
      if (typeof at === 'number' && typeof id === 'string') return { at, id };
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'not a cursor of this list' });
    return z.NEVER;
  });

export const encodeTimeCursor = (at: number, id: string) =>
  Buffer.from(JSON.stringify([at, id])).toString('base64url');

/**
 * A page from rows read with `limit + 1` (the extra row tells whether another page follows): the
 * first `limit` rows, and the next page's cursor taken from the last of them, or null on the last page.
 */
export function pageOf<T, C>(
  rows: T[],
  limit: number,
  cursorOf: (last: T) => C,
): { rows: T[]; next: C | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
