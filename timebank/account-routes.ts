import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { accountKinds, unknownAccount } from './accounts.js';
import {
  accountListingSchema,
  accountViewSchema,
  ownerId,
  statementQuery,
  statementSchema,
} from './api-schemas.js';
import type { Ledger } from './ledger.js';
import { covers, forbidden, mayRead, namedUnitPath } from './route-access.js';
import type { Language } from './statement-files.js';
import type { Statement } from './statements.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const maxRangeMs = 400 * 86_400_000;

/** Balances, entries and statements (JSON, CSV, Excel). */
export const accountRoutes: FastifyPluginAsyncZod<{ ledger: Ledger }> = async (app, { ledger }) => {
  const range = (query: { from?: number | undefined; to?: number | undefined }) => {
    const to = query.to ?? ledger.now();
    const from = query.from ?? to - 31 * 86_400_000;
    if (from >= to) throw new HttpError(400, 'invalid_range', '`from` must be before `to`');
    if (to - from > maxRangeMs)
      throw new HttpError(400, 'invalid_range', 'a statement covers at most 400 days');
    return { from, to };
  };
  const send = (
    reply: FastifyReply,
    statement: Statement,
    { format, lang }: { format: 'json' | 'csv' | 'xlsx'; lang: Language },
  ) => {
    if (format === 'json') return statement;
    const name = ledger.files.fileName(statement, format);
    reply.header('content-disposition', `attachment; filename="${name}"`);
    if (format === 'csv')
      return reply.type('text/csv; charset=utf-8').send(ledger.files.csv(statement, lang));
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(ledger.files.xlsx(statement, lang));
  };

  app.get(
    '/accounts',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary:
          'The opened accounts of your org unit and below, with balances (volunteers, elders, families, funds)',
        querystring: z.object({
          kind: z.enum(accountKinds).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(1000),
        }),
        response: { 200: z.object({ accounts: z.array(accountListingSchema) }), ...errors },
      },
    },
    async (request) => ({
      accounts: await ledger.register.list(signedIn(request).scopePath, request.query),
    }),
  );

  app.get(
    '/accounts/:owner_id',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['timebank'],
        summary:
          "An account's balance and latest entries (the owner, or admin/specialist of its org unit or above)",
        params: z.object({ owner_id: ownerId }),
        querystring: z.object({
          kind: z.enum(accountKinds).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
        }),
        response: { 200: accountViewSchema, ...errors },
      },
    },
    async (request) => {
      const account = await ledger.accounts.find(request.params.owner_id, request.query.kind);
      // One the caller may not see is answered as if it did not exist: no probing who has an account.
      if (!mayRead(signedIn(request), account))
        throw unknownAccount(request.params.owner_id, request.query.kind);
      const entries = account.opened ? await ledger.statements.recent(account.id, request.query.limit) : [];
      return {
        balance_minutes: account.balance_minutes,
        entries,
        account: {
          id: account.id,
          kind: account.kind,
          owner_id: account.owner_id,
          org_unit_id: account.org_unit_id,
          overdraft_minutes: account.overdraft_minutes,
          balance_minutes: account.balance_minutes,
        },
      };
    },
  );

  app.get(
    '/accounts/:owner_id/statement',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['timebank'],
        summary: "An account's statement for a range: JSON, or a CSV or Excel (.xlsx) file",
        params: z.object({ owner_id: ownerId }),
        querystring: statementQuery.extend({ kind: z.enum(accountKinds).optional() }),
        response: { 200: statementSchema, ...errors },
      },
    },
    async (request, reply) => {
      const account = await ledger.accounts.find(request.params.owner_id, request.query.kind);
      if (!mayRead(signedIn(request), account))
        throw unknownAccount(request.params.owner_id, request.query.kind);
      return send(reply, await ledger.statements.account(account, range(request.query)), request.query);
    },
  );

  app.get(
    '/org-units/:org_unit_id/statement',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary:
          'Every entry of the accounts of an org unit and the units below it, with balances per account',
        params: z.object({ org_unit_id: ownerId }),
        querystring: statementQuery,
        response: { 200: statementSchema, ...errors },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const id = request.params.org_unit_id;
      const path = await namedUnitPath((unit, kind) => ledger.accounts.find(unit, kind), user, id);
      if (path === null || !covers(user, path)) throw forbidden(`${id} is outside your org unit`);
      const statement = await ledger.statements.orgUnit(id, path, range(request.query));
      return send(reply, statement, request.query);
    },
  );
};
