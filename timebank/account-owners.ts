import { sql } from 'kysely';

/**
 * The name of a time-bank account's holder, for a query over `timebank_accounts as a`: the
 * volunteer's, the elder's, or the family's or fund's org unit. People and units are read by name
 * (in the console's tables and the downloaded files), not by id; null when none is stored.
 */
export const accountOwnerName = sql<string | null>`coalesce(
  (select r.name from responders r where r.id = a.owner_id and a.kind = 'volunteer'),
  (select e.name from elders e where e.id = a.owner_id and a.kind = 'elder'),
  (select u.name from org_units u where u.id = a.owner_id and a.kind in ('family', 'fund'))
)`;
