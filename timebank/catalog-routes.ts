import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import type { SignedInUser } from '../kernel/identity.js';
import { catalogItemSchema, ownerId } from './api-schemas.js';
import type { Ledger } from './ledger.js';
import { covers, forbidden, namedUnitPath } from './route-access.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const itemParams = z.object({ item_id: z.string().min(1).max(100) });

/** A community's catalog for local redemption; its admins and specialists keep it. */
export const catalogRoutes: FastifyPluginAsyncZod<{ ledger: Ledger }> = async (app, { ledger }) => {
  const unitPath = (user: SignedInUser, orgUnitId: string) =>
    namedUnitPath((id, kind) => ledger.accounts.find(id, kind), user, orgUnitId);
  /** Admins and specialists of the item's community or above. */
  const keeper = async (user: SignedInUser, orgUnitId: string) => {
    if (!covers(user, await unitPath(user, orgUnitId)))
      throw forbidden(`${orgUnitId} is outside your org unit`);
  };
  const item = async (id: string) => {
    const found = await ledger.catalog.get(id);
    if (!found) throw new HttpError(404, 'unknown_item', `no catalog item ${id}`);
    return found;
  };

  app.get(
    '/catalog',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['timebank'],
        summary: "A community's catalog: yours (above or below your org unit); default your own unit",
        querystring: z.object({
          org_unit: ownerId.optional(),
          withdrawn: z.enum(['true', 'false']).default('false').describe('also list withdrawn items'),
        }),
        response: { 200: z.object({ items: z.array(catalogItemSchema) }), ...errors },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const orgUnitId = request.query.org_unit ?? user.orgUnitId;
      if (!orgUnitId) throw new HttpError(400, 'invalid_request', 'name the community: ?org_unit=');
      const path = await unitPath(user, orgUnitId);
      // Members see their community's catalog (an ancestor of their unit); keepers see those below them.
      if (!covers(user, path) && !(path !== null && user.scopePath.startsWith(path)))
        throw forbidden(`${orgUnitId} is not your community`);
      return {
        items: await ledger.catalog.list(orgUnitId, { withdrawn: request.query.withdrawn === 'true' }),
      };
    },
  );

  app.post(
    '/catalog',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary: "Add an item to a community's catalog, priced in minutes, with stock",
        body: z.object({
          org_unit_id: ownerId.describe('a community'),
          name: z.string().trim().min(1).max(100),
          price_minutes: z.number().int().min(1).max(100_000),
          stock: z.number().int().min(0).max(1_000_000),
        }),
        response: { 201: catalogItemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { body } = request;
      await keeper(signedIn(request), body.org_unit_id);
      const created = await ledger.catalog.create({
        orgUnitId: body.org_unit_id,
        name: body.name,
        priceMinutes: body.price_minutes,
        stock: body.stock,
      });
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/catalog/:item_id',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary: 'Change an item: name, price, stock, or list it again',
        params: itemParams,
        body: z.object({
          name: z.string().trim().min(1).max(100).optional(),
          price_minutes: z.number().int().min(1).max(100_000).optional(),
          stock: z.number().int().min(0).max(1_000_000).optional(),
          active: z.boolean().optional(),
        }),
        response: { 200: catalogItemSchema, ...errors },
      },
    },
    async (request) => {
      const found = await item(request.params.item_id);
      await keeper(signedIn(request), found.org_unit_id);
      const { body } = request;
      return ledger.catalog.update(found.id, {
        name: body.name,
        priceMinutes: body.price_minutes,
        stock: body.stock,
        active: body.active,
      });
    },
  );

  app.delete(
    '/catalog/:item_id',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary: 'Withdraw an item (kept for the redemptions that name it)',
        params: itemParams,
        response: { 200: catalogItemSchema, ...errors },
      },
    },
    async (request) => {
      const found = await item(request.params.item_id);
      await keeper(signedIn(request), found.org_unit_id);
      return ledger.catalog.update(found.id, { active: false });
    },
  );
};
