import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { AuditTrail, PersonalDataAccess } from '../kernel/audit.js';
import { FailureLock } from '../kernel/failure-lock.js';
import type { ScryptCost, SecretStored } from '../kernel/secret-hash.js';
import { routeSet, type Stage } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { Accounts } from './accounts.js';
import { authRoutes } from './auth-routes.js';
import { careRecordRoutes } from './care-record-routes.js';
import { CareRecords } from './care-records.js';
import type { CareSettingValues } from './care-settings.js';
import { careSettingsRoutes } from './care-settings-routes.js';
import { CareSettingsStore } from './care-settings-store.js';
import { DeviceRegistry, type LiveHealth } from './device-registry.js';
import { DistrictRegistry, type ElderMoved } from './district.js';
import { DistrictDirectory } from './district-directory.js';
import { districtRoutes } from './district-routes.js';
import { PeopleNames } from './people-names.js';
import { signUpRoutes } from './sign-up-routes.js';
import { vettingRoutes } from './vetting-routes.js';
import { VolunteerApplications } from './volunteer-applications.js';
import { VolunteerRecords } from './volunteer-records.js';

export interface RegistrySettings {
  /** How long a console login lasts. */
  tokenTtlMs: number;
  /** On a store with no users, `admin` is created with this password. */
  adminPassword?: string | undefined;
  /** How often the master data is checked for changes made by another node. */
  reloadMs: number;
  /** Users' passwords are hashed at this cost; weaker stored hashes are raised at sign-in. */
  passwordCost: ScryptCost;
  /** Sign-in attempts per network address per minute. */
  signInsPerIpPerMin: number;
  /** Volunteer sign-ups per network address per hour, and per phone number per day. */
  signUpsPerIpPerHour: number;
  signUpsPerPhonePerDay: number;
}

/**
 * The district's master data: the directory every stage reads (and its "changed" channel),
 * accounts and sign-in, the district document, device provisioning.
 */
export function registryDomain(deps: {
  db: Database;
  catalog: DeviceCatalog;
  settings: RegistrySettings;
  now: () => number;
  logger: Logger;
  onError: (error: unknown) => void;
  /** Told each device secret written (the gateway skips the slow check at its first CONNECT). */
  secretStored: SecretStored;
  /** An elder moved to another org unit by a document: their alerts, account and open orders follow. */
  elderMoved: ElderMoved;
  /** A device's live health as this node sees it (device health is ingest's). */
  liveHealth: (id: string) => LiveHealth | null;
  /** Where reads and changes of a care record are recorded; `auditIn` within a transaction. */
  audit: AuditTrail;
  auditIn: (trx: Transaction<Tables>, access: PersonalDataAccess) => Promise<void>;
  /** The elder of a responder's current task (dispatch's knowledge, asked after start). */
  taskElderOf: (responderId: string) => Promise<string | null>;
  /** Per-elder settings where neither the elder nor a unit above them sets one (the detectors' configuration). */
  careDefaults: CareSettingValues;
}) {
  const { db, catalog, settings, now, logger, secretStored, elderMoved } = deps;
  const directory = new DistrictDirectory({
    db,
    catalog,
    reloadMs: settings.reloadMs,
    onError: deps.onError,
  });
  const { passwordCost } = settings;
  const accounts = new Accounts({ db, now, tokenTtlMs: settings.tokenTtlMs, passwordCost });
  const district = new DistrictRegistry({
    db,
    catalog,
    now,
    directory,
    secretStored,
    passwordCost,
    elderMoved,
  });
  const devices = new DeviceRegistry({
    db,
    catalog,
    now,
    directory,
    secretStored,
    liveHealth: deps.liveHealth,
  });
  // A document may change users' roles and units: signed-in users are looked up afresh. Wired
  // here, as the directory's first reader, so that every later reader asks after the cache is gone.
  directory.changed.subscribe(() => accounts.forgetCached());
  const firstAdmin: Stage = {
    async start() {
      const password = settings.adminPassword;
      if (!password) return;
      if (await accounts.ensureFirstAdmin(password)) logger.info('created user admin (ADMIN_PASSWORD)');
      else logger.warn('ADMIN_PASSWORD is not used: the store already has users');
    },
    stop() {},
  };
  const careRecords = new CareRecords();
  const names = new PeopleNames({ db });
  const applications = new VolunteerApplications({ db, now, passwordCost, auditIn: deps.auditIn, directory });
  const volunteerRecords = new VolunteerRecords({ db, now, auditIn: deps.auditIn, directory });
  const day = 86_400_000;
  // Every sign-up with a phone number counts as a "failure": the lock is the per-phone limit.
  const signUpsPerPhone = new FailureLock({
    maxFailures: settings.signUpsPerPhonePerDay,
    windowMs: day,
    lockMs: day,
    now,
  });
  return {
    directory,
    accounts,
    district,
    devices,
    careRecords,
    names,
    stages: { directory, firstAdmin },
    routes: [
      routeSet('/api/v1/auth', authRoutes, {
        accounts,
        signInsPerIpPerMin: settings.signInsPerIpPerMin,
        directory,
        names,
      }),
      routeSet('/api/v1/district', districtRoutes, { registry: district }),
      routeSet('/api/v1/volunteers', signUpRoutes, {
        applications,
        signUpsPerIpPerHour: settings.signUpsPerIpPerHour,
        perPhone: signUpsPerPhone,
      }),
      routeSet('/api/v1/volunteers', vettingRoutes, { applications, records: volunteerRecords }),
      routeSet('/api/v1/elders', careRecordRoutes, {
        db,
        records: careRecords,
        audit: deps.audit,
        auditIn: deps.auditIn,
        taskElderOf: deps.taskElderOf,
        now,
      }),
      routeSet('/api/v1/elders', careSettingsRoutes, {
        db,
        settings: new CareSettingsStore(),
        directory,
        hubDefaults: deps.careDefaults,
        auditIn: deps.auditIn,
        now,
      }),
    ],
  };
}
