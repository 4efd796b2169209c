import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Insertable } from 'kysely';
import { serviceLevelRoutes } from '../../dispatch/service-level-routes.js';
import { ServiceLevels } from '../../dispatch/service-levels.js';
import { serviceOrderRoutes } from '../../dispatch/service-order-routes.js';
import { ServiceOrders } from '../../dispatch/service-orders.js';
import { Accounts, type SignedInUser } from '../../gateway/accounts.js';
import { authPlugin } from '../../gateway/http/auth-plugin.js';
import { installErrorHandler } from '../../gateway/http/errors.js';
import type { Store } from '../../store/database.js';
import type { Role } from '../../store/district-document.js';
import type { AlertTable } from '../../store/schema.js';
import { hashSecret } from '../../store/secret-hash.js';
import { Ledger } from '../../timebank/ledger.js';
import type { Dialect } from './databases.js';
import { storeWithElder } from './small-store.js';

const users = {
  admin: ['admin', 'futian'],
  'spec-jingtian': ['specialist', 'jingtian'],
  'spec-meilin': ['specialist', 'meilin'],
  'wang-family': ['family', 'wang-family'],
  'v-0001': ['responder', 'jingtian'],
  'v-0002': ['responder', 'jingtian'],
  'v-0003': ['responder', 'meilin'],
  's-0001': ['responder', 'jingtian'],
} as const satisfies Record<string, [Role, string]>;
export type Username = keyof typeof users;

const paths: Record<string, string> = {
  futian: '/futian/',
  jingtian: '/futian/jingtian/',
  meilin: '/futian/meilin/',
  'wang-family': '/futian/jingtian/wang-family/',
};

export interface ServiceDistrict {
  store: Store;
  /** The hub's and the ledger's clock (ms). */
  clock: { now: number };
  ledger: Ledger;
  orders: ServiceOrders;
  levels: ServiceLevels;
  /** A signed-in user as the routes would see them. */
  as(username: Username): SignedInUser;
  balance(volunteerId: string): Promise<number>;
  insertAlert(alert: Partial<Insertable<AlertTable>> & { id: string; opened_at: number }): Promise<void>;
}

/**
 * 福田 with two communities: 景田 (the 王 family's unit, elder e-0001 in it; volunteers
 * v-0001 and v-0002; staff s-0001) and 梅林 (elder e-0002; volunteer v-0003); a specialist
 * per community, an admin for the district. The real ledger pays the credits.
 */
export async function serviceDistrict(dialect: Dialect): Promise<ServiceDistrict> {
  const store = await storeWithElder(dialect, []);
  const { db } = store;
  const unit = (id: string, name: string, level: string, parent: string) => ({
    id,
    name,
    level,
    parent_id: parent,
    path: paths[id]!,
    updated_at: 0,
  });
  await db
    .insertInto('org_units')
    .values([
      unit('meilin', '梅林社区', 'community', 'futian'),
      unit('wang-family', '王家', 'family', 'jingtian'),
    ])
    .execute();
  await db.updateTable('elders').set({ org_unit_id: 'wang-family' }).where('id', '=', 'e-0001').execute();
  await db
    .insertInto('elders')
    .values({
      id: 'e-0002',
      name: '李桂兰',
      org_unit_id: 'meilin',
      address: '梅林一村 12 栋 301',
      lat: null,
      lon: null,
      updated_at: 0,
    })
    .execute();
  const responder = (id: string, kind: string, orgUnit: string) => ({
    id,
    name: `应答者${id}`,
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
  await db
    .insertInto('users')
    .values(
      Object.entries(users).map(([username, [role, orgUnit]]) => ({
        username,
        password_hash: 'scrypt$unused',
        role,
        org_unit_id: orgUnit,
        updated_at: 0,
      })),
    )
    .execute();

  const clock = { now: Date.UTC(2026, 10, 30, 2, 0, 0) };
  const now = () => clock.now;
  const ledger = new Ledger({ store, now });
  return {
    store,
    clock,
    ledger,
    orders: new ServiceOrders({ db, credits: ledger, now }),
    levels: new ServiceLevels({ db }),
    as(username) {
      const [role, orgUnit] = users[username];
      return { username, role, orgUnitId: orgUnit, scopePath: paths[orgUnit]! };
    },
    async balance(volunteerId) {
      return (await ledger.accounts.find(volunteerId, 'volunteer')).balance_minutes;
    },
    async insertAlert(alert) {
      await db
        .insertInto('alerts')
        .values({
          elder_id: 'e-0001',
          device_id: null,
          org_unit_id: 'wang-family',
          kind: 'sos',
          severity: 'critical',
          status: 'open',
          updated_at: alert.opened_at,
          source_event_id: null,
          details: '{}',
          closed_at: null,
          outcome: null,
          acknowledged_at: null,
          acknowledged_by: null,
          accepted_at: null,
          on_site_at: null,
          assignee_id: null,
          next_step_at: null,
          ...alert,
        })
        .execute();
    },
  };
}

/**
 * The service-order and report routes in an app like the hub's (zod compilers, coded
 * errors, OpenAPI, bearer tokens of real `Accounts`), without the rest of the hub.
 */
export async function serviceApp(d: ServiceDistrict): Promise<{
  app: FastifyInstance;
  login(username: Username): Promise<{ authorization: string }>;
}> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // The OpenAPI document is generated from the route schemas, as in the hub: it must build.
  await app.register(swagger, {
    openapi: { info: { title: 'test', version: '0' } },
    transform: jsonSchemaTransform,
  });
  const accounts = new Accounts({ db: d.store.db, now: () => d.clock.now, tokenTtlMs: 86_400_000 });
  await app.register(authPlugin, { accounts });
  const api = app.withTypeProvider<ZodTypeProvider>();
  await api.register(serviceOrderRoutes, { prefix: '/api/v1/service-orders', orders: d.orders });
  await api.register(serviceLevelRoutes, {
    prefix: '/api/v1/reports',
    levels: d.levels,
    now: () => d.clock.now,
  });
  await app.ready();
  return {
    app,
    async login(username) {
      const password = `password-${username}`;
      await d.store.db
        .updateTable('users')
        .set({ password_hash: await hashSecret(password) })
        .where('username', '=', username)
        .execute();
      const session = await accounts.login(username, password);
      if (!session) throw new Error(`login ${username} failed`);
      return { authorization: `Bearer ${session.token}` };
    },
  };
}
