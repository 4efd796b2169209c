import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { authPlugin } from '../../kernel/auth-plugin.js';
import { installErrorHandler } from '../../kernel/http-errors.js';
import type { Role, SignedInUser } from '../../kernel/identity.js';
import { hashSecret } from '../../kernel/secret-hash.js';
import { Accounts } from '../../registry/accounts.js';
import { CareRecords } from '../../registry/care-records.js';
import { openStore, type Store } from '../../store/database.js';
import { Ledger } from '../../timebank/ledger.js';
import { timebankRoutes } from '../../timebank/routes.js';
import type { TimebankRulesInput } from '../../timebank/rules.js';
import { timebankRulesSchema } from '../../timebank/rules.js';
import { type Dialect, migratedStorePlace } from './databases.js';

/** The test district's users: role, org unit and password. */
const users = {
  admin: ['admin', 'futian', 'admin-password-1'],
  'admin-lianhua': ['admin', 'lianhua', 'admin-password-2'],
  'spec-jingtian': ['specialist', 'jingtian', 'spec-password-1'],
  'spec-meilin': ['specialist', 'meilin', 'spec-password-2'],
  'wang-family': ['family', 'wang-family', 'family-password-1'],
  'v-0001': ['responder', 'jingtian', 'volunteer-password-1'],
  'v-0002': ['responder', 'jingtian', 'volunteer-password-2'],
  'v-0003': ['responder', 'meilin', 'volunteer-password-3'],
  's-0001': ['responder', 'jingtian', 'staff-password-1'],
} as const satisfies Record<string, [Role, string, string]>;
export type Username = keyof typeof users;

/** Passwords of the test district's users (username → password). */
export const passwords = Object.fromEntries(
  Object.entries(users).map(([username, [, , password]]) => [username, password]),
) as Record<Username, string>;

/** The org units' paths: a signed-in user's scope. */
export const orgUnitPaths: Record<string, string> = {
  futian: '/futian/',
  lianhua: '/futian/lianhua/',
  jingtian: '/futian/lianhua/jingtian/',
  meilin: '/futian/lianhua/meilin/',
  'wang-family': '/futian/lianhua/jingtian/wang-family/',
};

/** A test district's user as the routes see them once signed in. */
export function signedInAs(username: Username): SignedInUser {
  const [role, orgUnit] = users[username];
  return { username, role, orgUnitId: orgUnit, scopePath: orgUnitPaths[orgUnit]! };
}

export interface TestLedger {
  store: Store;
  ledger: Ledger;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Moves the ledger's clock. */
  clock: { now: number };
}

/**
 * A store with a small district for the time bank and service orders: 福田 › 莲花街道 with two
 * communities, 景田 (the 王 family's unit with elder e-0001, the parent; elder e-0003;
 * volunteers v-0001 and v-0002; staff s-0001) and 梅林 (elder e-0002; volunteer v-0003); a
 * specialist per community, admins of the district and the street, and the family.
 * `withPasswords` hashes real passwords (for HTTP tests: ~40 ms each).
 */
export async function ledgerWithDistrict(
  dialect: Dialect,
  options: { rules?: TimebankRulesInput; withPasswords?: boolean; now?: number } = {},
): Promise<TestLedger> {
  const { dataDir, databaseUrl } = await migratedStorePlace(dialect, 'yiyang-timebank-');
  const store = await openStore({ dataDir, databaseUrl });
  await seedDistrict(store, options.withPasswords ?? false);
  const clock = { now: options.now ?? Date.UTC(2026, 10, 30, 2, 0, 0) };
  const ledger = new Ledger({
    store,
    now: () => clock.now,
    rules: timebankRulesSchema.parse(options.rules ?? {}),
  });
  return { store, ledger, dataDir, databaseUrl, clock };
}

async function seedDistrict(store: Store, withPasswords: boolean): Promise<void> {
  const { db } = store;
  const unit = (id: string, name: string, level: string, parent: string | null) => ({
    id,
    name,
    level,
    parent_id: parent,
    path: orgUnitPaths[id]!,
    updated_at: 0,
  });
  await db
    .insertInto('org_units')
    .values([
      unit('futian', '福田区', 'district', null),
      unit('lianhua', '莲花街道', 'street', 'futian'),
      unit('jingtian', '景田社区', 'community', 'lianhua'),
      unit('meilin', '梅林社区', 'community', 'lianhua'),
      unit('wang-family', '王家', 'family', 'jingtian'),
    ])
    .execute();
  const elder = (id: string, name: string, orgUnit: string, address: string) => ({
    id,
    name,
    org_unit_id: orgUnit,
    address,
    lat: null,
    lon: null,
    updated_at: 0,
  });
  await db
    .insertInto('elders')
    .values([
      elder('e-0001', '王秀英', 'wang-family', '景田北一街 3 栋 502'),
      elder('e-0002', '李桂兰', 'meilin', '梅林一村 12 栋 301'),
      elder('e-0003', '陈玉珍', 'jingtian', '景田北二街 8 栋 201'),
    ])
    .execute();
  const responder = (id: string, kind: string, orgUnit: string) => ({
    id,
    name: id,
    kind,
    org_unit_id: orgUnit,
    skills: '["first_aid"]',
    lat: null,
    lon: null,
    updated_at: 0,
  });
  await db
    .insertInto('responders')
    .values([
      responder('v-0001', 'volunteer', 'jingtian'),
      responder('v-0002', 'volunteer', 'jingtian'),
      responder('v-0003', 'volunteer', 'meilin'),
      responder('s-0001', 'staff', 'jingtian'),
    ])
    .execute();
  // v-0001 is 王秀英's son (her care record's family link): his gifts may go to her and her family.
  await db
    .insertInto('family_links')
    .values({ username: 'v-0001', elder_id: 'e-0001', relation: 'child' })
    .execute();
  for (const [username, [role, orgUnit, password]] of Object.entries(users)) {
    await db
      .insertInto('users')
      .values({
        username,
        password_hash: withPasswords ? await hashSecret(password) : 'scrypt$unused',
        role,
        org_unit_id: orgUnit,
        updated_at: 0,
      })
      .execute();
  }
}

/**
 * Routes in an app like the hub's (zod compilers, coded errors, OpenAPI, bearer tokens of real
 * `Accounts`), without the rest of the hub; `login` signs a district user in (with
 * `withPasswords`, or after giving them their password here).
 */
export async function routesApp(
  t: Pick<TestLedger, 'store' | 'clock'>,
  register: (app: FastifyInstance) => Promise<void>,
): Promise<{ app: FastifyInstance; login(username: Username): Promise<{ authorization: string }> }> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // The OpenAPI document is generated from the route schemas, as in the hub: it must build.
  await app.register(swagger, {
    openapi: { info: { title: 'test', version: '0' } },
    transform: jsonSchemaTransform,
  });
  const accounts = new Accounts({ db: t.store.db, now: () => t.clock.now, tokenTtlMs: 86_400_000 });
  await app.register(authPlugin, { accounts });
  await register(app);
  app.get('/openapi.json', async () => app.swagger());
  await app.ready();
  return {
    app,
    async login(username) {
      const session =
        (await accounts.login(username, passwords[username])) ??
        (await withPassword(t.store, username).then(() => accounts.login(username, passwords[username])));
      if (!session || !('token' in session)) throw new Error(`login ${username} failed`);
      return { authorization: `Bearer ${session.token}` };
    },
  };
}

/** Gives a user their real password (a district seeded without them). */
async function withPassword(store: Store, username: Username): Promise<void> {
  await store.db
    .updateTable('users')
    .set({ password_hash: await hashSecret(passwords[username]) })
    .where('username', '=', username)
    .execute();
}

/** The time bank's routes in an app like the hub's, without the rest of the hub. */
export function timebankApp(
  t: TestLedger,
  /** Further routes to test beside the time bank's (the reports). */
  more?: (app: FastifyInstance) => Promise<void>,
): ReturnType<typeof routesApp> {
  return routesApp(t, async (app) => {
    await app.withTypeProvider<ZodTypeProvider>().register(timebankRoutes, {
      prefix: '/api/v1/timebank',
      ledger: t.ledger,
      kinships: (username) => new CareRecords().kinships(t.store.db, username),
    });
    await more?.(app);
  });
}

/** The bearer headers of the test district's usual users, by role in the tests. */
export async function signInAll(login: (username: Username) => Promise<{ authorization: string }>) {
  return {
    specJingtian: await login('spec-jingtian'),
    specMeilin: await login('spec-meilin'),
    streetAdmin: await login('admin-lianhua'),
    volunteer: await login('v-0001'),
    otherVolunteer: await login('v-0002'),
    family: await login('wang-family'),
  };
}

/**
 * The time bank API on a fresh test district with its usual users signed in, volunteer v-0001
 * (景田) credited `minutes` for one certified service (`seed-1`).
 */
export async function timebankApiWithEarnings(dialect: Dialect, minutes: number) {
  const t = await ledgerWithDistrict(dialect, { withPasswords: true });
  const { app, login } = await timebankApp(t);
  const as = await signInAll(login);
  await t.ledger.depositForService({
    serviceId: 'seed-1',
    volunteerId: 'v-0001',
    orgUnitId: 'jingtian',
    claimedMinutes: minutes,
    measuredMinutes: minutes,
    certifiedBy: 'spec-jingtian',
  });
  return { t, app, as };
}
