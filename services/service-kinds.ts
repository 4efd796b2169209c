import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { SignedInUser } from '../kernel/identity.js';
import type { Database } from '../store/database.js';
import type { ServiceKindTable } from '../store/schema.js';
import { emergencyResponseKind, serviceKindLabels } from './api-schemas.js';
import { ServiceOrderError } from './service-order-model.js';

export interface ServiceKindView {
  code: string;
  label_zh: string;
  label_en: string;
  position: number;
  active: boolean;
  created_at: number;
  created_by: string;
  updated_at: number;
  retired_at: number | null;
  retired_by: string | null;
}

export interface ServiceKindChange {
  code: string;
  at: number;
  actor: string;
  actor_role: string;
  action: 'added' | 'renamed' | 'retired' | 'restored';
  detail: Record<string, unknown>;
}

type Labels = { label_zh: string; label_en: string };
/** Each kind's name in both languages, retired ones and the hub's own included. */
export type ServiceKindNames = Record<string, { zh: string; en: string }>;

const view = (row: Selectable<ServiceKindTable>): ServiceKindView => ({
  ...row,
  position: Number(row.position),
  created_at: Number(row.created_at),
  updated_at: Number(row.updated_at),
  retired_at: row.retired_at === null ? null : Number(row.retired_at),
  active: row.retired_at === null,
});

/** Every kind's name, for reports and files: what an order of any kind, however old, is called. */
export async function serviceKindNames(db: Database): Promise<ServiceKindNames> {
  const rows = await db.selectFrom('service_kinds').select(['code', 'label_zh', 'label_en']).execute();
  return {
    ...serviceKindLabels,
    ...Object.fromEntries(rows.map((r) => [r.code, { zh: r.label_zh, en: r.label_en }])),
  };
}

/**
 * The district's menu of services one may request (the seed's: comfort and company, visits,
 * anti-fraud and smart-device training, meals, clinic escorts, phone calls), kept by its admins:
 * they add a kind, rename it, retire it (no new requests; its orders keep their name) or bring
 * it back. Every change is written with who and when, in the same transaction.
 */
export class ServiceKinds {
  constructor(private readonly deps: { db: Database; now: () => number }) {}

  /** The menu in its order, retired kinds too (their orders still need a name). */
  async list(): Promise<ServiceKindView[]> {
    const rows = await this.deps.db
      .selectFrom('service_kinds')
      .selectAll()
      .orderBy('position')
      .orderBy('code')
      .execute();
    return rows.map(view);
  }

  /** A kind a new request may ask for; else a 400 that says why. */
  async requestable(code: string): Promise<void> {
    const row = await this.row(code);
    if (!row) {
      throw new ServiceOrderError(
        400,
        'unknown_kind',
        `no service kind "${code}": ask for one of GET /api/v1/service-kinds`,
      );
    }
    if (row.retired_at !== null) {
      throw new ServiceOrderError(
        400,
        'retired_kind',
        `the service kind "${code}" (${row.label_en}) was retired and cannot be requested any more`,
      );
    }
  }

  async add(actor: SignedInUser, input: { code: string } & Labels): Promise<ServiceKindView> {
    this.mayChange(actor);
    if (input.code === emergencyResponseKind) {
      throw new ServiceOrderError(400, 'duplicate_code', `"${input.code}" is the hub's own kind`);
    }
    const at = this.deps.now();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.labelsFree(trx, input, null);
      const last = await trx
        .selectFrom('service_kinds')
        .select((eb) => eb.fn.max('position').as('position'))
        .executeTakeFirst();
      const written = await trx
        .insertInto('service_kinds')
        .values({
          code: input.code,
          label_zh: input.label_zh,
          label_en: input.label_en,
          position: Number(last?.position ?? 0) + 1,
          created_at: at,
          created_by: actor.username,
          updated_at: at,
          retired_at: null,
          retired_by: null,
        })
        .onConflict((oc) => oc.column('code').doNothing())
        .executeTakeFirst();
      if (Number(written.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new ServiceOrderError(
          400,
          'duplicate_code',
          `a service kind "${input.code}" exists already (retired kinds keep their code: restore it instead)`,
        );
      }
      await this.record(trx, actor, input.code, 'added', {
        label_zh: input.label_zh,
        label_en: input.label_en,
      });
    });
    return this.get(input.code);
  }

  async rename(actor: SignedInUser, code: string, change: Partial<Labels>): Promise<ServiceKindView> {
    this.mayChange(actor);
    await this.deps.db.transaction().execute(async (trx) => {
      const before = await this.row(code, trx);
      if (!before) throw new ServiceOrderError(404, 'not_found', `no service kind "${code}"`);
      const after = {
        label_zh: change.label_zh ?? before.label_zh,
        label_en: change.label_en ?? before.label_en,
      };
      await this.labelsFree(trx, after, code);
      await trx
        .updateTable('service_kinds')
        .set({ ...after, updated_at: this.deps.now() })
        .where('code', '=', code)
        .execute();
      await this.record(trx, actor, code, 'renamed', {
        before: { label_zh: before.label_zh, label_en: before.label_en },
        after,
      });
    });
    return this.get(code);
  }

  /**
   * No new requests of the kind; its orders keep their name. Refused while a recurring request of
   * the kind would go on publishing: an elder's weekly meal is stopped on purpose, not by the menu.
   */
  async retire(actor: SignedInUser, code: string): Promise<ServiceKindView> {
    this.mayChange(actor);
    const at = this.deps.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.row(code, trx);
      if (!row) throw new ServiceOrderError(404, 'not_found', `no service kind "${code}"`);
      if (row.retired_at !== null) return;
      const recurring = await trx
        .selectFrom('recurring_requests')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', code)
        .where('stopped_at', 'is', null)
        .executeTakeFirst();
      const n = Number(recurring?.n ?? 0);
      if (n > 0) {
        throw new ServiceOrderError(
          409,
          'kind_in_use',
          `${n} recurring request${n === 1 ? '' : 's'} of "${code}" still publish${n === 1 ? 'es' : ''}: stop ${n === 1 ? 'it' : 'them'} first`,
        );
      }
      await trx
        .updateTable('service_kinds')
        .set({ retired_at: at, retired_by: actor.username, updated_at: at })
        .where('code', '=', code)
        .execute();
      await this.record(trx, actor, code, 'retired', { label_zh: row.label_zh, label_en: row.label_en });
    });
    return this.get(code);
  }

  /** A retired kind back on the menu. */
  async restore(actor: SignedInUser, code: string): Promise<ServiceKindView> {
    this.mayChange(actor);
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.row(code, trx);
      if (!row) throw new ServiceOrderError(404, 'not_found', `no service kind "${code}"`);
      if (row.retired_at === null) return;
      await trx
        .updateTable('service_kinds')
        .set({ retired_at: null, retired_by: null, updated_at: this.deps.now() })
        .where('code', '=', code)
        .execute();
      await this.record(trx, actor, code, 'restored', { label_zh: row.label_zh, label_en: row.label_en });
    });
    return this.get(code);
  }

  /** The menu's changes, newest first. */
  async changes(limit: number): Promise<ServiceKindChange[]> {
    const rows = await this.deps.db
      .selectFrom('service_kind_changes')
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(({ id: _id, ...r }) => ({
      ...r,
      at: Number(r.at),
      action: r.action as ServiceKindChange['action'],
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  /** The menu is the district's: its admins (of the top unit, or of the whole hub) keep it. */
  private mayChange(actor: SignedInUser): void {
    const depth = actor.scopePath.split('/').filter(Boolean).length;
    if (actor.role !== 'admin' || depth > 1) {
      throw new ServiceOrderError(
        403,
        'not_district_admin',
        'the service kinds are the district’s menu: only an admin of the district changes them',
      );
    }
  }

  /** Two kinds of one name would be told apart by nobody choosing from the menu. */
  private async labelsFree(db: Database, labels: Labels, except: string | null): Promise<void> {
    const taken = await db
      .selectFrom('service_kinds')
      .select(['code', 'label_zh', 'label_en'])
      .where((eb) => eb.or([eb('label_zh', '=', labels.label_zh), eb('label_en', '=', labels.label_en)]))
      .$if(except !== null, (q) => q.where('code', '<>', except!))
      .executeTakeFirst();
    if (taken) {
      const which = taken.label_zh === labels.label_zh ? labels.label_zh : labels.label_en;
      throw new ServiceOrderError(
        400,
        'duplicate_label',
        `"${which}" names the service kind "${taken.code}" already`,
      );
    }
  }

  private async row(code: string, db: Database = this.deps.db) {
    return db.selectFrom('service_kinds').selectAll().where('code', '=', code).executeTakeFirst();
  }

  private async get(code: string): Promise<ServiceKindView> {
    const row = await this.row(code);
    if (!row) throw new ServiceOrderError(404, 'not_found', `no service kind "${code}"`);
    return view(row);
  }

  private async record(
    db: Database,
    actor: SignedInUser,
    code: string,
    action: ServiceKindChange['action'],
    detail: Record<string, unknown>,
  ): Promise<void> {
    await db
      .insertInto('service_kind_changes')
      .values({
        id: randomUUID(),
        code,
        at: this.deps.now(),
        actor: actor.username,
        actor_role: actor.role,
        action,
        detail: JSON.stringify(detail),
      })
      .execute();
  }
}
