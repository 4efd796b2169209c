import type { Database } from '../store/database.js';

/**
 * People's names for those the hub knows by id: an account's display name (users.display_name),
 * else a responder's own name (a responder's username is their responder id). An id with
 * neither is left out: the reader shows the username, the only name there is.
 */
export class PeopleNames {
  constructor(private readonly deps: { db: Pick<Database, 'selectFrom'> }) {}

  /** The names of those of `ids` that have one, by id. */
  async of(ids: Iterable<string>): Promise<Record<string, string>> {
    const wanted = [...new Set(ids)].filter((id) => id.length > 0);
    if (wanted.length === 0) return {};
    const { db } = this.deps;
    const [responders, users] = await Promise.all([
      db.selectFrom('responders').select(['id', 'name']).where('id', 'in', wanted).execute(),
      db
        .selectFrom('users')
        .select(['username', 'display_name'])
        .where('username', 'in', wanted)
        .where('display_name', 'is not', null)
        .execute(),
    ]);
    const names: Record<string, string> = {};
    for (const r of responders) names[r.id] = r.name;
    // The account's own name wins: it is what the person was provisioned as.
    for (const u of users) names[u.username] = u.display_name!;
    return names;
  }

  /** One person's name, or null (show the username). */
  async one(id: string): Promise<string | null> {
    return (await this.of([id]))[id] ?? null;
  }
}
