import type { Transaction } from 'kysely';
import type { DeviceCatalog } from '../devices/catalog.js';
import {
  hashIssuedSecret,
  hashPassword,
  hashSecret,
  newSecret,
  type ScryptCost,
  type SecretStored,
} from '../kernel/secret-hash.js';
import { WorkSlots } from '../kernel/work-slots.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { careFieldsOf } from './care-record.js';
import { CareRecords } from './care-records.js';
import { careSettingNames } from './care-settings.js';
import { CareSettingsStore } from './care-settings-store.js';
import type { DistrictDirectory } from './district-directory.js';
import { type DistrictDocument, type OrgLevel, orgLevels } from './district-document.js';

export interface DocumentIssue {
  path: string;
  message: string;
}

/** Who is applying the document: everything they touch must lie under their org unit. */
export interface ActingUser {
  username: string;
  /** Path of the user's org unit, e.g. `/futian/lianhua/`. */
  scopePath: string;
}

type Kind = 'org_units' | 'elders' | 'devices' | 'responders' | 'users';
type IdLists = Record<Kind, string[]>;

export interface DistrictChange {
  created: IdLists;
  updated: IdLists;
  /** Secrets the hub issued for new devices given without one. Shown once, stored only hashed. */
  issued_secrets: Record<string, string>;
}

export type ApplyResult = { ok: true; change: DistrictChange } | { ok: false; issues: DocumentIssue[] };

interface UnitNode {
  id: string;
  level: OrgLevel;
  parent: string | null;
  storedPath: string | null;
}

const emptyLists = (): IdLists => ({ org_units: [], elders: [], devices: [], responders: [], users: [] });

/**
 * An elder erased between the document's check and its write: the import stops at their batch
 * (the batches before it stay applied, as when a hub stops mid-way) rather than bring them back.
 */
export class ElderErasedMeanwhile extends Error {
  constructor(readonly elderId: string) {
    super(
      `elder ${elderId} was erased while the document was being applied; the elders listed before them are applied, they and those after are not: apply the document again without them`,
    );
  }
}

/** What follows an elder to the org unit they moved to (their alerts, account, open orders: other folders' rows). */
export type ElderMoved = (
  trx: Transaction<Tables>,
  move: { elderId: string; from: string; to: string },
) => Promise<void>;

/** Elders (and their devices) written per transaction when a document is applied. */
const elderBatch = 100;

/**
 * Applies a district document: upserts by id, never deletes. Checked whole before any write (every
 * problem is collected, not just the first, so the caller can fix them in one go), then written in
 * batches: applying it again completes one cut short.
 */
export class DistrictRegistry {
  constructor(
    private readonly deps: {
      db: Database;
      catalog: DeviceCatalog;
      now: () => number;
      /** Reloaded after a document is applied; it tells every reader of the district. */
      directory: Pick<DistrictDirectory, 'refresh'>;
      /** Told each device secret written (the gateway skips the slow check at its first CONNECT). */
      secretStored?: SecretStored;
      /** Users' passwords are hashed at this cost (the hub's default unless configured). */
      passwordCost?: ScryptCost;
      /** An elder moved to another org unit: what is theirs elsewhere moves too, in the same transaction. */
      elderMoved?: ElderMoved;
    },
  ) {}

  /** Slow hashes of a document two at a time: the thread pool keeps room for devices' CONNECTs. */
  private readonly hashing = new WorkSlots(2);
  private readonly careRecords = new CareRecords();
  private readonly settings = new CareSettingsStore();

  async apply(doc: DistrictDocument, actor: ActingUser): Promise<ApplyResult> {
    const issues: DocumentIssue[] = [];
    const units = await this.unitTree(doc, issues);
    const paths = computePaths(units);
    const inScope = (path: string | undefined | null) => !!path && path.startsWith(actor.scopePath);
    const unitPath = (id: string) => paths.get(id);

    doc.org_units.forEach((unit, i) => {
      const stored = units.get(unit.id)?.storedPath;
      const path = paths.get(unit.id);
      // A unit without a path has a bad parent, reported already.
      if ((path && !inScope(path)) || (stored && !inScope(stored))) {
        issues.push({ path: `org_units[${i}]`, message: `outside your org unit (${actor.scopePath})` });
      }
    });

    const [elders, devices, responders, users] = await Promise.all([
      this.existing(
        'elders',
        'id',
        doc.elders.map((e) => e.id),
      ),
      this.existing(
        'devices',
        'id',
        doc.elders.flatMap((e) => e.devices.map((d) => d.id)),
      ),
      this.existing(
        'responders',
        'id',
        doc.responders.map((r) => r.id),
      ),
      this.existing(
        'users',
        'username',
        doc.users.map((u) => u.username),
      ),
    ]);
    const storedElderUnits = await this.unitPathsOf('elders', 'id', [...elders.keys()]);
    const storedResponderUnits = await this.unitPathsOf('responders', 'id', [...responders.keys()]);
    const storedUserUnits = await this.unitPathsOf('users', 'username', [...users.keys()]);
    const owners = [...devices.values()].flatMap((d) => (d.elder_id ? [d.elder_id] : []));
    const deviceOwnerUnits = await this.unitPathsOf('elders', 'id', owners);

    const checkUnit = (path: string, orgUnit: string, storedPath: string | undefined) => {
      if (!unitPath(orgUnit))
        issues.push({ path: `${path}.org_unit`, message: `unknown org unit ${orgUnit}` });
      else if (!inScope(unitPath(orgUnit)) || (storedPath !== undefined && !inScope(storedPath))) {
        issues.push({ path, message: `outside your org unit (${actor.scopePath})` });
      }
    };

    duplicates(
      doc.elders.map((e) => e.id),
      'elders',
      'id',
      issues,
    );
    // A person erased on request is not brought back by the next routine import of an old document.
    const erased = new Set([...elders].filter(([, e]) => e.erased).map(([id]) => id));
    const deviceIds = new Map<string, string>();
    doc.elders.forEach((elder, i) => {
      checkUnit(`elders[${i}]`, elder.org_unit, storedElderUnits.get(elder.id));
      if (erased.has(elder.id)) {
        issues.push({
          path: `elders[${i}].id`,
          message: `elder ${elder.id} was erased on request; register the person again under a new id`,
        });
      }
      elder.devices.forEach((device, j) => {
        const path = `elders[${i}].devices[${j}]`;
        if (deviceIds.has(device.id)) {
          issues.push({
            path: `${path}.id`,
            message: `device ${device.id} also appears at ${deviceIds.get(device.id)}`,
          });
        }
        deviceIds.set(device.id, path);
        if (!this.deps.catalog.get(device.type)) {
          issues.push({
            path: `${path}.type`,
            message: `unknown device type; known: ${this.deps.catalog.names().join(', ')}`,
          });
        }
        const stored = devices.get(device.id);
        if (stored && stored.type !== device.type) {
          issues.push({
            path: `${path}.type`,
            message: `device ${device.id} is a ${stored.type}; a type is fixed once provisioned`,
          });
        }
        const ownerPath = stored?.elder_id ? deviceOwnerUnits.get(stored.elder_id) : undefined;
        if (ownerPath !== undefined && !inScope(ownerPath)) {
          issues.push({
            path: `${path}.id`,
            message: `device ${device.id} belongs to an elder outside your org unit`,
          });
        }
      });
    });

    duplicates(
      doc.responders.map((r) => r.id),
      'responders',
      'id',
      issues,
    );
    doc.responders.forEach((r, i) => {
      checkUnit(`responders[${i}]`, r.org_unit, storedResponderUnits.get(r.id));
    });

    duplicates(
      doc.users.map((u) => u.username),
      'users',
      'username',
      issues,
    );
    const responderIds = new Set(doc.responders.map((r) => r.id));
    const unknownResponders = doc.users.filter(
      (u) => u.role === 'responder' && !responderIds.has(u.username),
    );
    const storedResponders = await this.existing(
      'responders',
      'id',
      unknownResponders.map((u) => u.username),
    );
    // A responder's login gets its offers and spends its credits: only within the actor's scope.
    const storedResponderPaths = await this.unitPathsOf('responders', 'id', [...storedResponders.keys()]);
    const docResponderUnits = new Map(doc.responders.map((r) => [r.id, r.org_unit]));
    const responderPath = (id: string) => {
      const unit = docResponderUnits.get(id);
      return unit ? unitPath(unit) : storedResponderPaths.get(id);
    };
    doc.users.forEach((user, i) => {
      checkUnit(`users[${i}]`, user.org_unit, storedUserUnits.get(user.username));
      if (!users.has(user.username) && !user.password) {
        issues.push({ path: `users[${i}].password`, message: 'a new user needs a password' });
      }
      if (
        user.role === 'responder' &&
        !responderIds.has(user.username) &&
        !storedResponders.has(user.username)
      ) {
        issues.push({
          path: `users[${i}].username`,
          message: 'a responder user is named after its responder id; no such responder',
        });
      } else if (user.role === 'responder' && !inScope(responderPath(user.username))) {
        issues.push({
          path: `users[${i}].username`,
          message: `the responder ${user.username} is outside your org unit (${actor.scopePath})`,
        });
      }
    });

    await this.checkFamilyLinks(doc, issues);
    if (issues.length > 0) return { ok: false, issues };
    const change = await this.write(doc, units, paths, { elders, devices, responders, users }, actor);
    await this.deps.directory.refresh('document');
    return { ok: true, change };
  }

  private async write(
    doc: DistrictDocument,
    units: Map<string, UnitNode>,
    paths: Map<string, string>,
    stored: {
      elders: Map<string, unknown>;
      devices: Map<string, unknown>;
      responders: Map<string, unknown>;
      users: Map<string, unknown>;
    },
    actor: ActingUser,
  ): Promise<DistrictChange> {
    const now = this.deps.now();
    const change: DistrictChange = { created: emptyLists(), updated: emptyLists(), issued_secrets: {} };
    // Slow hashes happen before the transaction so it stays short.
    const deviceHashes = new Map<string, string>();
    const deviceSecrets = new Map<string, string>();
    const written: Array<{ id: string; secret: string }> = [];
    for (const device of doc.elders.flatMap((elder) => elder.devices)) {
      if (device.secret) written.push({ id: device.id, secret: device.secret });
      else if (!stored.devices.has(device.id)) {
        const secret = newSecret();
        change.issued_secrets[device.id] = secret;
        deviceSecrets.set(device.id, secret);
        deviceHashes.set(device.id, hashIssuedSecret(secret));
      }
    }
    await this.hashing.map(written, async ({ id, secret }) => {
      deviceSecrets.set(id, secret);
      deviceHashes.set(id, await hashSecret(secret));
    });
    const passwordHashes = new Map<string, string>();
    await this.hashing.map(doc.users, async (u) => {
      if (u.password) passwordHashes.set(u.username, await hashPassword(u.password, this.deps.passwordCost));
    });

    const docUnits = new Map(doc.org_units.map((u) => [u.id, u]));
    // Parents before children; then every unit whose path moved (descendants of a moved unit too).
    const ordered = [...units.values()].sort((a, b) => depth(paths.get(a.id)!) - depth(paths.get(b.id)!));
    await this.deps.db.transaction().execute(async (trx) => {
      for (const node of ordered) {
        const unit = docUnits.get(node.id);
        const path = paths.get(node.id)!;
        if (unit) {
          (node.storedPath === null ? change.created : change.updated).org_units.push(unit.id);
          await trx
            .insertInto('org_units')
            .values({
              id: unit.id,
              name: unit.name,
              level: unit.level,
              parent_id: unit.parent ?? null,
              path,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc.column('id').doUpdateSet({
                name: unit.name,
                level: unit.level,
                parent_id: unit.parent ?? null,
                path,
                updated_at: now,
              }),
            )
            .execute();
          if (unit.settings) {
            const all = Object.fromEntries(careSettingNames.map((n) => [n, unit.settings![n] ?? null]));
            await this.settings.change(trx, { owner_kind: 'org_unit', owner_id: unit.id }, all, {
              username: actor.username,
              at: now,
            });
          }
        } else if (node.storedPath !== path) {
          await trx
            .updateTable('org_units')
            .set({ path, updated_at: now })
            .where('id', '=', node.id)
            .execute();
        }
      }
    });
    // Elders in batches, each its own short transaction: events waiting for the store (their PUBACK)
    // get it between batches, not after the whole district. The document was validated in full before
    // any write, and applying it is idempotent: a hub stopped mid-way completes it by applying it again.
    for (let i = 0; i < doc.elders.length; i += elderBatch) {
      // SQLite's calls are synchronous: without a turn of the event loop between batches, PUBLISHes
      // waiting on the socket would not even be read until the last batch.
      await new Promise((resolve) => setImmediate(resolve));
      await this.deps.db.transaction().execute(async (trx) => {
        const batch = doc.elders.slice(i, i + elderBatch);
        const unitsBefore = new Map(
          (
            await trx
              .selectFrom('elders')
              .select(['id', 'org_unit_id'])
              .where(
                'id',
                'in',
                batch.map((e) => e.id),
              )
              .execute()
          ).map((r) => [r.id, r.org_unit_id]),
        );
        for (const elder of batch) {
          (stored.elders.has(elder.id) ? change.updated : change.created).elders.push(elder.id);
          const values = {
            name: elder.name,
            org_unit_id: elder.org_unit,
            address: elder.address,
            lat: elder.location?.lat ?? null,
            lon: elder.location?.lon ?? null,
            updated_at: now,
          };
          // Never over an erased elder: one erased since the document was checked (the update waits
          // for the erasure's hold, then finds her erased) stops the import here.
          const written = await trx
            .insertInto('elders')
            .values({ id: elder.id, ...values })
            .onConflict((oc) => oc.column('id').doUpdateSet(values).where('elders.erased_at', 'is', null))
            .executeTakeFirst();
          if (Number(written.numInsertedOrUpdatedRows) !== 1) throw new ElderErasedMeanwhile(elder.id);
          const from = unitsBefore.get(elder.id);
          if (from !== undefined && from !== elder.org_unit)
            await this.deps.elderMoved?.(trx, { elderId: elder.id, from, to: elder.org_unit });
          await this.careRecords.change(trx, elder.id, careFieldsOf(elder), {
            username: actor.username,
            at: now,
          });
          for (const device of elder.devices) {
            const hash = deviceHashes.get(device.id);
            if (stored.devices.has(device.id)) {
              change.updated.devices.push(device.id);
              await trx
                .updateTable('devices')
                .set({ elder_id: elder.id, ...(hash ? { secret_hash: hash } : {}) })
                .where('id', '=', device.id)
                .execute();
            } else {
              change.created.devices.push(device.id);
              await trx
                .insertInto('devices')
                .values({
                  id: device.id,
                  type: device.type,
                  elder_id: elder.id,
                  secret_hash: hash!,
                  revoked_at: null,
                  created_at: now,
                })
                .execute();
            }
          }
        }
      });
    }
    await this.deps.db.transaction().execute(async (trx) => {
      for (const r of doc.responders) {
        (stored.responders.has(r.id) ? change.updated : change.created).responders.push(r.id);
        const values = {
          name: r.name,
          kind: r.kind,
          org_unit_id: r.org_unit,
          skills: JSON.stringify(r.skills),
          lat: r.location?.lat ?? null,
          lon: r.location?.lon ?? null,
          updated_at: now,
        };
        await trx
          .insertInto('responders')
          .values({ id: r.id, ...values })
          .onConflict((oc) => oc.column('id').doUpdateSet(values))
          .execute();
      }
      for (const u of doc.users) {
        const hash = passwordHashes.get(u.username);
        const values = {
          role: u.role,
          org_unit_id: u.org_unit,
          updated_at: now,
          ...(u.name ? { display_name: u.name } : {}),
          ...(hash ? { password_hash: hash } : {}),
        };
        if (stored.users.has(u.username)) {
          change.updated.users.push(u.username);
          await trx.updateTable('users').set(values).where('username', '=', u.username).execute();
          // A changed role, unit or password ends the user's sessions: they log in again under the new rights.
          await trx.deleteFrom('sessions').where('username', '=', u.username).execute();
        } else {
          change.created.users.push(u.username);
          await trx
            .insertInto('users')
            .values({ username: u.username, password_hash: hash!, ...values })
            .execute();
        }
      }
    });
    for (const [id, hash] of deviceHashes) this.deps.secretStored?.(id, deviceSecrets.get(id)!, hash);
    return change;
  }

  /**
   * A contact that names a hub user is a family link: the user must be a family or responder login,
   * in the document or already stored.
   */
  private async checkFamilyLinks(doc: DistrictDocument, issues: DocumentIssue[]): Promise<void> {
    const named = doc.elders.flatMap((elder, i) =>
      (elder.contacts ?? []).flatMap((c, j) =>
        c.username ? [{ username: c.username, path: `elders[${i}].contacts[${j}].username` }] : [],
      ),
    );
    const inDocument = new Set(
      doc.users.filter((u) => u.role === 'family' || u.role === 'responder').map((u) => u.username),
    );
    const unlinkable = await this.careRecords.unlinkable(
      this.deps.db,
      named.map((n) => n.username).filter((u) => !inDocument.has(u)),
    );
    for (const n of named) {
      if (unlinkable.has(n.username))
        issues.push({ path: n.path, message: `no family or responder user ${n.username}` });
    }
  }

  /** Stored units merged with the document's; reports duplicates, unknown parents and level order. */
  private async unitTree(doc: DistrictDocument, issues: DocumentIssue[]): Promise<Map<string, UnitNode>> {
    const rows = await this.deps.db
      .selectFrom('org_units')
      .select(['id', 'level', 'parent_id', 'path'])
      .execute();
    const units = new Map<string, UnitNode>(
      rows.map((r) => [
        r.id,
        { id: r.id, level: r.level as OrgLevel, parent: r.parent_id, storedPath: r.path },
      ]),
    );
    duplicates(
      doc.org_units.map((u) => u.id),
      'org_units',
      'id',
      issues,
    );
    for (const unit of doc.org_units) {
      units.set(unit.id, {
        id: unit.id,
        level: unit.level,
        parent: unit.parent ?? null,
        storedPath: units.get(unit.id)?.storedPath ?? null,
      });
    }
    doc.org_units.forEach((unit, i) => {
      if (unit.level === 'district') {
        if (unit.parent) issues.push({ path: `org_units[${i}].parent`, message: 'a district has no parent' });
        return;
      }
      if (!unit.parent) {
        issues.push({ path: `org_units[${i}].parent`, message: `a ${unit.level} needs a parent` });
        return;
      }
      const parent = units.get(unit.parent);
      if (!parent)
        issues.push({ path: `org_units[${i}].parent`, message: `unknown org unit ${unit.parent}` });
      else if (orgLevels.indexOf(parent.level) >= orgLevels.indexOf(unit.level)) {
        issues.push({
          path: `org_units[${i}].level`,
          message: `a ${unit.level} cannot sit under a ${parent.level}`,
        });
      }
    });
    return units;
  }

  private async existing<T extends 'elders' | 'devices' | 'responders' | 'users'>(
    table: T,
    key: 'id' | 'username',
    ids: string[],
  ): Promise<Map<string, { type?: string; elder_id?: string | null; erased?: boolean }>> {
    const found = new Map<string, { type?: string; elder_id?: string | null; erased?: boolean }>();
    for (const chunk of chunks(ids, 500)) {
      if (table === 'elders') {
        const rows = await this.deps.db
          .selectFrom('elders')
          .select(['id', 'erased_at'])
          .where('id', 'in', chunk)
          .execute();
        for (const r of rows) found.set(r.id, { erased: r.erased_at !== null });
      } else if (table === 'devices') {
        const rows = await this.deps.db
          .selectFrom('devices')
          .select(['id', 'type', 'elder_id'])
          .where('id', 'in', chunk)
          .execute();
        for (const r of rows) found.set(r.id, { type: r.type, elder_id: r.elder_id });
      } else {
        const rows = await (this.deps.db as Database)
          .selectFrom(table as 'users')
          .select(`${key as 'username'} as key`)
          .where(key as 'username', 'in', chunk)
          .execute();
        for (const r of rows) found.set(r.key, {});
      }
    }
    return found;
  }

  /** The stored org unit path of each entity, to refuse moving something out of another's scope. */
  private async unitPathsOf(table: 'elders' | 'responders' | 'users', key: 'id' | 'username', ids: string[]) {
    const found = new Map<string, string>();
    for (const chunk of chunks(ids, 500)) {
      const rows = await this.deps.db
        .selectFrom(`${table as 'users'} as e`)
        .leftJoin('org_units as o', 'o.id', 'e.org_unit_id')
        .select([`e.${key as 'username'} as key`, 'o.path'])
        .where(`e.${key as 'username'}`, 'in', chunk)
        .execute();
      // A user of no org unit (the first admin) belongs to the whole hub.
      for (const r of rows) found.set(r.key, r.path ?? '/');
    }
    return found;
  }
}

/**
 * Each unit's materialised path. Levels strictly decrease from parent to child (checked
 * before), so a valid tree has no cycles; `seen` only keeps an invalid one from looping.
 */
function computePaths(units: Map<string, UnitNode>): Map<string, string> {
  const paths = new Map<string, string>();
  const resolve = (id: string, seen: Set<string>): string | undefined => {
    const known = paths.get(id);
    if (known) return known;
    const node = units.get(id);
    if (!node || seen.has(id)) return undefined;
    seen.add(id);
    const parentPath = node.parent ? resolve(node.parent, seen) : '/';
    if (parentPath === undefined) return undefined;
    const path = `${parentPath}${id}/`;
    paths.set(id, path);
    return path;
  };
  for (const id of units.keys()) resolve(id, new Set());
  return paths;
}

function duplicates(ids: string[], list: string, key: string, issues: DocumentIssue[]): void {
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    if (first.has(id))
      issues.push({ path: `${list}[${i}].${key}`, message: `duplicate of ${list}[${first.get(id)}]` });
    else first.set(id, i);
  });
}

function depth(path: string): number {
  return path.split('/').length;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
