import type { Kysely, Migration } from 'kysely';

/**
 * A person's name beside the username: the console and the phone name people ("已确认 · 陈晓梅"),
 * not logins. Null until a district document gives one; readers fall back to the username.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('users').addColumn('display_name', 'text').execute();
  },
} satisfies Migration;
