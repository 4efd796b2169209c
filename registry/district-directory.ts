import type { Capability } from '../devices/capabilities.js';
import { type DeviceCatalog, type DeviceType, measures } from '../devices/catalog.js';
import { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import { type CareSettingOverrides, inheritedSettings, overridesOf } from './care-settings.js';
import { byOwner, CareSettingsStore } from './care-settings-store.js';
import { type SkillValidity, skillValidity } from './certificates.js';
import type { Skill } from './responder-skills.js';

export interface OrgUnitEntry {
  id: string;
  name: string;
  level: string;
  /** Materialised ancestry, e.g. `/futian/lianhua/jingtian/`. */
  path: string;
}

export interface HomeDevice {
  id: string;
  type: DeviceType;
}

/** An elder and the devices at home (revoked ones left out). */
export interface ElderEntry {
  id: string;
  name: string;
  orgUnitId: string;
  lat: number | null;
  lon: number | null;
  devices: HomeDevice[];
  /** The elder's own settings over their org units' (registry/care-settings.ts); absent: the detectors' own. */
  settings: CareSettingOverrides;
}

export interface ResponderEntry {
  id: string;
  name: string;
  kind: 'volunteer' | 'staff';
  orgUnitId: string;
  orgUnitPath: string;
  skills: Skill[];
  /** Skills that count only until a certificate expires (registry/certificates.ts). */
  skillsUntil: SkillValidity;
  /** Home base (WGS-84); live positions are dispatch's. */
  lat: number | null;
  lon: number | null;
}

/** Published whenever the master data may have changed: readers reload what they keep of it. */
export interface DistrictUpdate {
  reason: 'document' | 'provisioned' | 'revoked' | 'reloaded' | 'erased' | 'settings' | 'volunteers';
  /** Devices revoked since the last load (here or on another node): watched and trusted no more. */
  revokedDevices: string[];
  /** Devices given to another elder (or to one, or to none) since the last load: what they send is now someone else's. */
  reassignedDevices: string[];
}

/**
 * The district's master data as the hub holds it in memory — org units, elders with their
 * devices, responders — and the one channel, `changed`, on which its readers learn that it
 * changed. Reloaded after every change made through this node, and every `reloadMs` when the
 * store says another node changed it.
 */
export class DistrictDirectory {
  readonly changed: Channel<DistrictUpdate>;
  private units = new Map<string, OrgUnitEntry>();
  private elderMap = new Map<string, ElderEntry>();
  private responderList: ResponderEntry[] = [];
  /** Every device not revoked, with its elder (null: not assigned to anyone). */
  private deviceElders = new Map<string, string | null>();
  private signature = '';
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Database;
      catalog: DeviceCatalog;
      reloadMs: number;
      onError: (error: unknown) => void;
    },
  ) {
    this.changed = new Channel<DistrictUpdate>(deps.onError);
  }

  async start(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => {
      this.catchUpNow();
    }, this.deps.reloadMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** After a change made through this node: reload, then tell the readers. */
  refresh(reason: DistrictUpdate['reason']): Promise<void> {
    return this.inTurn(() => this.reload(reason));
  }

  /**
   * Looks and reloads run one after another, never beside each other: an older read landing after a
   * newer one would undo it (a watch just fitted unknown to this process until the next look).
   */
  private inTurn(work: () => Promise<void>): Promise<void> {
    const run = this.checking.then(work);
    this.checking = run.catch(() => undefined);
    return run;
  }

  private async reload(reason: DistrictUpdate['reason']): Promise<void> {
    const before = new Map(this.deviceElders);
    await this.load();
    // Devices are never deleted, only revoked: one that was loaded and is not any more was revoked.
    const revokedDevices = [...before.keys()].filter((id) => !this.deviceElders.has(id));
    const reassignedDevices = [...before].filter(
      ([id, elderId]) => this.deviceElders.has(id) && this.deviceElders.get(id) !== elderId,
    );
    this.changed.publish({ reason, revokedDevices, reassignedDevices: reassignedDevices.map(([id]) => id) });
  }

  elder(id: string): ElderEntry | undefined {
    return this.elderMap.get(id);
  }

  /** Every elder with at least one device at home. */
  homes(): ElderEntry[] {
    return [...this.elderMap.values()].filter((e) => e.devices.length > 0);
  }

  /** The elder a device (not revoked) belongs to; null: unassigned, or no such device. */
  elderOfDevice(deviceId: string): string | null {
    return this.deviceElders.get(deviceId) ?? null;
  }

  orgUnitOf(elderId: string | null): string | null {
    return elderId ? (this.elderMap.get(elderId)?.orgUnitId ?? null) : null;
  }

  orgUnit(id: string): OrgUnitEntry | undefined {
    return this.units.get(id);
  }

  responders(): readonly ResponderEntry[] {
    return this.responderList;
  }

  /** The elder's devices that measure a capability (say, every `contact` at home: the doors). */
  devicesMeasuring(elderId: string, capability: Capability): HomeDevice[] {
    return this.elderMap.get(elderId)?.devices.filter((d) => measures(d.type, capability)) ?? [];
  }

  /**
   * Another node said it changed the district: catch up now, after any look already under way (not
   * beside it), instead of at the next `reloadMs`.
   */
  catchUpNow(): void {
    this.catchUp().catch(this.deps.onError);
  }

  /** Reloads (and tells the readers) when the store holds changes made elsewhere (another node). */
  catchUp(): Promise<void> {
    return this.inTurn(async () => {
      if ((await this.currentSignature()) === this.signature) return;
      await this.reload('reloaded');
    });
  }

  /** Counts and latest change times: differs once anything of the master data changed. */
  private async currentSignature(): Promise<string> {
    const { db } = this.deps;
    const counted = (table: 'org_units' | 'elders' | 'responders' | 'users' | 'care_settings') =>
      db
        .selectFrom(table)
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('at')])
        .executeTakeFirstOrThrow();
    const devices = db
      .selectFrom('devices')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.max('created_at').as('at'),
        eb.fn.max('revoked_at').as('revoked'),
        eb.fn.count<number>('revoked_at').as('revokedCount'),
      ])
      .executeTakeFirstOrThrow();
    // Users are not held here, but their rights changing is a change the readers hear of.
    const parts = await Promise.all([
      counted('org_units'),
      counted('elders'),
      counted('responders'),
      counted('users'),
      counted('care_settings'),
      devices,
    ]);
    return JSON.stringify(parts);
  }

  private async load(): Promise<void> {
    const { db, catalog } = this.deps;
    const signature = await this.currentSignature();
    const [unitRows, elderRows, deviceRows, responderRows, settingRows, certificateRows] = await Promise.all([
      db.selectFrom('org_units').select(['id', 'name', 'level', 'path']).execute(),
      db.selectFrom('elders').select(['id', 'name', 'org_unit_id', 'lat', 'lon']).execute(),
      db.selectFrom('devices').select(['id', 'type', 'elder_id']).where('revoked_at', 'is', null).execute(),
      db
        .selectFrom('responders')
        .select(['id', 'name', 'kind', 'org_unit_id', 'skills', 'lat', 'lon'])
        .execute(),
      new CareSettingsStore().all(db),
      db.selectFrom('responder_certificates').select(['responder_id', 'skill', 'expires_on']).execute(),
    ]);
    const units = new Map(unitRows.map((u) => [u.id, u]));
    const elders = new Map<string, ElderEntry>();
    const ownSettings = byOwner(settingRows, 'elder');
    const unitSettings = byOwner(settingRows, 'org_unit');
    for (const e of elderRows) {
      const path = units.get(e.org_unit_id)?.path ?? '/';
      elders.set(e.id, {
        id: e.id,
        name: e.name,
        orgUnitId: e.org_unit_id,
        lat: e.lat,
        lon: e.lon,
        devices: [],
        settings: overridesOf(ownSettings.get(e.id) ?? {}, inheritedSettings(path, unitSettings)),
      });
    }
    for (const d of deviceRows) {
      const type = catalog.get(d.type);
      if (type && d.elder_id) elders.get(d.elder_id)?.devices.push({ id: d.id, type });
    }
    const certificates = new Map<string, typeof certificateRows>();
    for (const c of certificateRows)
      certificates.set(c.responder_id, [...(certificates.get(c.responder_id) ?? []), c]);
    this.units = units;
    this.elderMap = elders;
    this.deviceElders = new Map(deviceRows.map((d) => [d.id, d.elder_id]));
    this.responderList = responderRows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind as ResponderEntry['kind'],
      orgUnitId: r.org_unit_id,
      orgUnitPath: units.get(r.org_unit_id)?.path ?? '/',
      skills: JSON.parse(r.skills) as Skill[],
      skillsUntil: skillValidity(certificates.get(r.id) ?? []),
      lat: r.lat,
      lon: r.lon,
    }));
    this.signature = signature;
  }
}
