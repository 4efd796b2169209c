import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The birth date beside the care record's JSON, so the alert queue can show each elder's age in the
 * same query that lists the alerts (the JSON itself is read the same way in both dialects only whole).
 * Filled from the records already stored.
 */
export default {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('care_records').addColumn('birth_date', 'text').execute();
    const rows = await sql<{
      elder_id: string;
      record: string;
    }>`select elder_id, record from care_records`.execute(db);
    for (const row of rows.rows) {
      const birthDate = (JSON.parse(row.record) as { birth_date?: string | null }).birth_date ?? null;
      if (birthDate)
        await sql`update care_records set birth_date = ${birthDate} where elder_id = ${row.elder_id}`.execute(
          db,
        );
    }
  },
} satisfies Migration;
