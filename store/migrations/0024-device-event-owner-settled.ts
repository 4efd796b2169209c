import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Events stored before 0022 named no elder and went with their device's present elder. Since then an
 * event without an elder is one the device sent while it was nobody's (detached at an erasure, or not
 * fitted yet): taken as the next wearer's, it put the erased person's last events into a stranger's
 * export. The old rows are given, once, the elder they went with until now; from here on an elder's
 * events are only those that name them.
 */
export default {
  async up(db: Kysely<unknown>) {
    await sql`
      update device_events
      set elder_id = (select d.elder_id from devices d where d.id = device_events.device_id)
      where elder_id is null`.execute(db);
  },
} satisfies Migration;
