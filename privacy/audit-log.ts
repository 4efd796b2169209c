import { randomUUID } from 'node:crypto';
import type { AuditTrail, PersonalDataAccess } from '../kernel/audit.js';
import { pageOf } from '../kernel/page-cursor.js';
import type { Database } from '../store/database.js';
import { underPath } from '../store/scope.js';

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  actor_role: string;
  action: string;
  elder_id: string;
  org_unit_id: string;
  target: string | null;
  detail: Record<string, unknown>;
}

/** Where a page of the audit log ends: the next page starts after this entry (newest first). */
export interface AuditCursor {
  at: number;
  id: string;
}

export interface AuditFilter {
  elderId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  after?: AuditCursor | undefined;
}

type Writer = Pick<Database, 'insertInto' | 'selectFrom'>;

/**
 * The audit log: every read of one person's record by a signed-in user (who, when, what),
 * written before the data is answered. Read back by admins of the elder's org unit or above.
 */
export class AuditLog implements AuditTrail {
  constructor(private readonly deps: { db: Database; now: () => number }) {}

  async record(access: PersonalDataAccess): Promise<void> {
    await this.recordIn(this.deps.db, access);
  }

  /** The same inside a transaction (an erasure and its entry commit together). */
  async recordIn(db: Writer, access: PersonalDataAccess): Promise<void> {
    const orgUnitId =
      access.orgUnitId ??
      (
        await db
          .selectFrom('elders')
          .select('org_unit_id')
          .where('id', '=', access.elderId)
          .executeTakeFirstOrThrow()
      ).org_unit_id;
    await db
      .insertInto('audit_entries')
      .values({
        id: randomUUID(),
        at: this.deps.now(),
        actor: access.by.username,
        actor_role: access.by.role,
        action: access.action,
        elder_id: access.elderId,
        org_unit_id: orgUnitId,
        target: access.target ?? null,
        detail: JSON.stringify(access.detail ?? {}),
      })
      .execute();
  }

  /** A page of entries within the scope, newest first, and the cursor of the next page (null: the last). */
  async page(
    scopePath: string,
    filter: AuditFilter,
  ): Promise<{ entries: AuditEntry[]; next: AuditCursor | null }> {
    const { elderId, actor, action, from, to, after } = filter;
    const rows = await this.deps.db
      .selectFrom('audit_entries as a')
      .innerJoin('org_units as o', 'o.id', 'a.org_unit_id')
      .selectAll('a')
      .where(underPath('o.path', scopePath))
      .$if(elderId !== undefined, (q) => q.where('a.elder_id', '=', elderId!))
      .$if(actor !== undefined, (q) => q.where('a.actor', '=', actor!))
      .$if(action !== undefined, (q) => q.where('a.action', '=', action!))
      .$if(from !== undefined, (q) => q.where('a.at', '>=', from!))
      .$if(to !== undefined, (q) => q.where('a.at', '<', to!))
      .$if(after !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('a.at', '<', after!.at),
            eb.and([eb('a.at', '=', after!.at), eb('a.id', '<', after!.id)]),
          ]),
        ),
      )
      .orderBy('a.at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const page = pageOf(rows, filter.limit, (last) => ({ at: last.at, id: last.id }));
    const entries = page.rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    return { entries, next: page.next };
  }
}
