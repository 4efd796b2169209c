import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Elders erased before an erasure stopped their recurring requests: their rules kept publishing
 * orders with the note typed for them (e.g. where the door key is). Stopped here, as of the erasure,
 * and their notes replaced with the erasure's text (privacy/elder-erasure.ts `erasedText`; the store
 * cannot import it).
 */
export default {
  async up(db: Kysely<unknown>) {
    await sql`
      update recurring_requests
      set stopped_by = coalesce(stopped_by, 'erasure'),
          stopped_at = coalesce(stopped_at, (select e.erased_at from elders e where e.id = recurring_requests.elder_id)),
          note = case when note = '' then note else '(erased on request)' end
      where elder_id in (select id from elders where erased_at is not null)`.execute(db);
  },
} satisfies Migration;
