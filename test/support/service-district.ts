import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Insertable } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { openedAlertRow } from '../../alerts/alert-book.js';
import type { SignedInUser } from '../../kernel/identity.js';
import { serviceLevelRoutes } from '../../reports/service-level-routes.js';
import { ServiceLevels } from '../../reports/service-levels.js';
import { recurringRequestRoutes } from '../../services/recurring-request-routes.js';
import { RecurringRequests } from '../../services/recurring-requests.js';
import { serviceOrderRoutes } from '../../services/service-order-routes.js';
import { ServiceOrders } from '../../services/service-orders.js';
import type { Store } from '../../store/database.js';
import type { AlertTable } from '../../store/schema.js';
import type { Ledger } from '../../timebank/ledger.js';
import type { Dialect } from './databases.js';
import { ledgerWithDistrict, routesApp, signedInAs, type Username } from './timebank-district.js';

export type { Username } from './timebank-district.js';

export interface ServiceDistrict {
  store: Store;
  /** The hub's and the ledger's clock (ms). */
  clock: { now: number };
  ledger: Ledger;
  orders: ServiceOrders;
  /** Requests that publish themselves, on the same clock (UTC+8), not ticking: tests call publishDue(). */
  recurring: RecurringRequests;
  levels: ServiceLevels;
  /** The commands the orders sent to watches (a visit's confirmation code), oldest first. */
  commands: Array<{
    deviceId: string;
    command: { command: string; [field: string]: unknown };
    commandId: string;
  }>;
  /** A signed-in user as the routes would see them. */
  as(username: Username): SignedInUser;
  balance(volunteerId: string): Promise<number>;
  insertAlert(alert: Partial<Insertable<AlertTable>> & { id: string; opened_at: number }): Promise<void>;
}

/** 王秀英's (e-0001) home; her watch is w-0001. */
export const wangHome = { lat: 22.5531, lon: 114.0412 };
/** `metres` north of a place (a degree of latitude is 111,195 m). */
export function northOf(place: { lat: number; lon: number }, metres: number) {
  return { lat: place.lat + metres / 111_195, lon: place.lon };
}
/** The confirmation code the elder's watch was sent for an order. */
export function codeShown(d: ServiceDistrict, orderId: string): string {
  const sent = d.commands.find((c) => c.commandId === `visit-${orderId}`);
  const code = String(sent?.command.text ?? '').match(/\d{4}/)?.[0];
  if (!code) throw new Error(`no confirmation code was sent for ${orderId}`);
  return code;
}

/**
 * The time bank's test district (test/support/timebank-district.ts: 景田 with the 王 family and
 * elder e-0001, 梅林 with e-0002, volunteers, staff, specialists, admins) with service
 * orders and service levels on it. The real ledger pays the credits.
 */
export async function serviceDistrict(dialect: Dialect): Promise<ServiceDistrict> {
  const { store, ledger, clock } = await ledgerWithDistrict(dialect);
  const { db } = store;
  const now = () => clock.now;
  // 王秀英's home is on the map: a visit there is checked in and out within 100 m of it.
  await db.updateTable('elders').set(wangHome).where('id', '=', 'e-0001').execute();
  const commands: ServiceDistrict['commands'] = [];
  const orders = new ServiceOrders({
    db,
    credits: ledger,
    now,
    onSiteRadiusM: 100,
    watchOf: (elderId) => (elderId === 'e-0001' ? 'w-0001' : null),
    // The gateway's part (sending to the watch over MQTT) is tested with the hub (test/service-visits.test.ts).
    send: async (deviceId, command, commandId) => {
      commands.push({ deviceId, command, commandId });
    },
    logger: pino({ level: 'silent' }),
    utcOffsetMinutes: 480,
  });
  return {
    store,
    clock,
    ledger,
    orders,
    commands,
    recurring: new RecurringRequests({
      db,
      requests: orders.requests,
      now,
      utcOffsetMinutes: 480,
      tickMs: 60_000,
      logger: pino({ level: 'silent' }),
    }),
    levels: new ServiceLevels({ db }),
    as: signedInAs,
    async balance(volunteerId) {
      return (await ledger.accounts.find(volunteerId, 'volunteer')).balance_minutes;
    },
    async insertAlert(alert) {
      await db
        .insertInto('alerts')
        .values(
          openedAlertRow({
            elder_id: 'e-0001',
            org_unit_id: 'wang-family',
            kind: 'sos',
            severity: 'critical',
            ...alert,
          }),
        )
        .execute();
    },
  };
}

/** The service-order and service-level routes in an app like the hub's, without the rest of the hub. */
export function serviceApp(d: ServiceDistrict): Promise<{
  app: FastifyInstance;
  login(username: Username): Promise<{ authorization: string }>;
}> {
  return routesApp(d, async (app) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    await api.register(serviceOrderRoutes, { prefix: '/api/v1/service-orders', orders: d.orders });
    await api.register(recurringRequestRoutes, {
      prefix: '/api/v1/recurring-requests',
      recurring: d.recurring,
    });
    await api.register(serviceLevelRoutes, {
      prefix: '/api/v1/reports',
      levels: d.levels,
      now: () => d.clock.now,
    });
  });
}

/**
 * A fresh district for each test of the enclosing block, closed after it: `use` receives it (and may
 * set it up further) before the test runs.
 */
export function serviceDistrictPerTest(
  dialect: Dialect,
  use: (d: ServiceDistrict) => void | Promise<void>,
): void {
  let d: ServiceDistrict | undefined;
  beforeEach(async () => {
    d = await serviceDistrict(dialect);
    await use(d);
  });
  afterEach(async () => {
    await d?.store.close();
  });
}
