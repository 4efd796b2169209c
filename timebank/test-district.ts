import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { Accounts } from '../gateway/accounts.js';
import { authPlugin } from '../gateway/http/auth-plugin.js';
import { installErrorHandler } from '../gateway/http/errors.js';
import { openStore, type Store } from '../store/database.js';
import { hashSecret } from '../store/secret-hash.js';
import { type Dialect, freshPostgresDatabase } from '../test/support/databases.js';
import { Ledger } from './ledger.js';
import { timebankRoutes } from './routes.js';
import type { TimebankRulesInput } from './rules.js';
import { timebankRulesSchema } from './rules.js';

/** Passwords of the test district's users (username → password). */
export const passwords = {
  'spec-jingtian': 'spec-password-1',
  'spec-meilin': 'spec-password-2',
  'admin-lianhua': 'admin-password-2',
  'v-0001': 'volunteer-password-1',
  'v-0002': 'volunteer-password-2',
  'wang-family': 'family-password-1',
} as const;

export interface TestLedger {
  store: Store;
  ledger: Ledger;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Moves the ledger's clock. */
  clock: { now: number };
}

/**
 * A store with a small district for the time bank: a street with two communities,
 * a family unit in 景田 with an elder (the parent), volunteers, and users.
 * `withPasswords` hashes real passwords (for HTTP tests: ~40 ms each).
 */
export async function ledgerWithDistrict(
  dialect: Dialect,
  options: { rules?: TimebankRulesInput; withPasswords?: boolean; now?: number } = {},
): Promise<TestLedger> {
  const dataDir = mkdtempSync(join(tmpdir(), 'yiyang-timebank-'));
  const databaseUrl = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
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
  const unit = (id: string, name: string, level: string, parent: string | null, path: string) => ({
    id,
    name,
    level,
    parent_id: parent,
    path,
    updated_at: 0,
  });
  await db
    .insertInto('org_units')
    .values([
      unit('futian', '福田区', 'district', null, '/futian/'),
      unit('lianhua', '莲花街道', 'street', 'futian', '/futian/lianhua/'),
      unit('jingtian', '景田社区', 'community', 'lianhua', '/futian/lianhua/jingtian/'),
      unit('meilin', '梅林社区', 'community', 'lianhua', '/futian/lianhua/meilin/'),
      unit('wang-family', '王家', 'family', 'jingtian', '/futian/lianhua/jingtian/wang-family/'),
    ])
    .execute();
  const elder = (id: string, name: string, orgUnit: string) => ({
    id,
    name,
    org_unit_id: orgUnit,
    address: '景田北一街 3 栋 502',
    lat: null,
    lon: null,
    updated_at: 0,
  });
  await db
    .insertInto('elders')
    .values([
      elder('e-0001', '王秀英', 'wang-family'),
      elder('e-0002', '李桂兰', 'meilin'),
      elder('e-0003', '陈玉珍', 'jingtian'),
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
  const users: Array<[keyof typeof passwords, string, string]> = [
    ['spec-jingtian', 'specialist', 'jingtian'],
    ['spec-meilin', 'specialist', 'meilin'],
    ['admin-lianhua', 'admin', 'lianhua'],
    ['v-0001', 'responder', 'jingtian'],
    ['v-0002', 'responder', 'jingtian'],
    ['wang-family', 'family', 'wang-family'],
  ];
  for (const [username, role, orgUnit] of users) {
    await db
      .insertInto('users')
      .values({
        username,
        password_hash: withPasswords ? await hashSecret(passwords[username]) : 'scrypt$unused',
        role,
        org_unit_id: orgUnit,
        updated_at: 0,
      })
      .execute();
  }
}

/** The time bank's routes in an app like the hub's (auth, error handling, OpenAPI), without the rest of the hub. */
export async function timebankApp(
  t: TestLedger,
  /** Further routes to test beside the time bank's (the reports). */
  more?: (app: FastifyInstance) => Promise<void>,
): Promise<{
  app: FastifyInstance;
  login(username: keyof typeof passwords): Promise<{ authorization: string }>;
}> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: { info: { title: 'test', version: '0' } },
    transform: jsonSchemaTransform,
  });
  const accounts = new Accounts({ db: t.store.db, now: () => t.clock.now, tokenTtlMs: 3_600_000 });
  await app.register(authPlugin, { accounts });
  await app.withTypeProvider<ZodTypeProvider>().register(timebankRoutes, {
    prefix: '/api/v1/timebank',
    ledger: t.ledger,
  });
  await more?.(app);
  app.get('/openapi.json', async () => app.swagger());
  await app.ready();
  return {
    app,
    async login(username) {
      const session = await accounts.login(username, passwords[username]);
      if (!session) throw new Error(`login ${username} failed`);
      return { authorization: `Bearer ${session.token}` };
    },
  };
}

/** The bearer headers of the test district's usual users, by role in the tests. */
export async function signInAll(
  login: (username: keyof typeof passwords) => Promise<{ authorization: string }>,
) {
  return {
    specJingtian: await login('spec-jingtian'),
    specMeilin: await login('spec-meilin'),
    streetAdmin: await login('admin-lianhua'),
    volunteer: await login('v-0001'),
    otherVolunteer: await login('v-0002'),
    family: await login('wang-family'),
  };
}
