import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, signedIn } from '../kernel/auth-plugin.js';
import { errorBody, HttpError } from '../kernel/http-errors.js';
import { type Account, type AccountRef, unknownAccount } from './accounts.js';
import { accountRefSchema, claimSchema, idempotencyHeaders, ownerId, transferSchema } from './api-schemas.js';
import type { WriteOutcome } from './idempotency.js';
import type { Ledger } from './ledger.js';
import { covers, forbidden, mayDebit, mayRead, onOwnLine } from './route-access.js';
import type { KinshipsOf } from './routes.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** A retry gets the original answer, marked with `Idempotent-Replayed: true`. */
function answer<T>(reply: FastifyReply, outcome: WriteOutcome<T>): T {
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return outcome.result;
}

/**
 * Writes to the ledger: transfers, redemptions, corrections. Credits are earned only by certifying
 * a service order (`services/`), and a flagged one is decided on its order too: there is no route
 * to deposit for a service that did not go through its states, nor to pay one behind its order.
 */
export const transferRoutes: FastifyPluginAsyncZod<{ ledger: Ledger; kinships: KinshipsOf }> = async (
  app,
  { ledger, kinships },
) => {
  /** The elder or family account is the user's kin: an elder whose care record names them, or that elder's home. */
  const isKin = async (user: ReturnType<typeof signedIn>, account: Account) => {
    if (account.kind !== 'elder' && account.kind !== 'family') return false;
    const kin = await kinships(user.username);
    return account.kind === 'elder'
      ? kin.some((k) => k.elder_id === account.owner_id)
      : kin.some((k) => k.org_unit_id === account.owner_id);
  };
  /**
   * Whom credits may go to. A fund takes a payment (a service order) from whoever may spend, if its
   * unit is on their own line: theirs, above (the community, street or district running the service)
   * or below (staff's units). Another community's fund is answered as one that does not exist, so
   * that paying a minute cannot probe which units are registered elsewhere. Any other account: staff's
   * and family users' of their own org unit and below; a person's gift
   * also to their own kin — a volunteer's only there: to an elder whose care record names them
   * (a child, a spouse…) or the family account of such an elder's home.
   */
  const mayCredit = async (user: ReturnType<typeof signedIn>, account: Account) => {
    if (account.kind === 'fund') return onOwnLine(user, account.path);
    if (user.role !== 'responder' && covers(user, account.path)) return true;
    return (user.role === 'responder' || user.role === 'family') && isKin(user, account);
  };
  /**
   * The account behind `{owner_id, kind}`, if the signed-in user may spend from it. One they may
   * not even see is answered as one that does not exist: no probing who has an account.
   */
  const payer = async (
    user: ReturnType<typeof signedIn>,
    ref: { owner_id: string; kind?: AccountRef['kind'] | undefined },
  ) => {
    const account = await ledger.accounts.find(ref.owner_id, ref.kind);
    if (!mayRead(user, account)) throw unknownAccount(ref.owner_id, ref.kind);
    if (!mayDebit(user, account)) throw forbidden(`you may not spend from ${account.id}`);
    return { kind: account.kind, ownerId: account.owner_id };
  };
  /** The account credits go to, if the signed-in user may credit it; else, as for the payer, unknown. */
  const target = async (
    user: ReturnType<typeof signedIn>,
    ref: { owner_id: string; kind?: AccountRef['kind'] | undefined },
  ) => {
    const account = await ledger.accounts.find(ref.owner_id, ref.kind);
    if (!(await mayCredit(user, account))) {
      if (!mayRead(user, account)) throw unknownAccount(ref.owner_id, ref.kind);
      throw forbidden(
        `${account.id} is not your family's: a gift goes to an elder whose care record names you as kin`,
      );
    }
    return { kind: account.kind, ownerId: account.owner_id };
  };
  /** Specialists and admins act on the services and transfers of their own org unit and below. */
  const inScope = async (user: ReturnType<typeof signedIn>, orgUnitId: string) => {
    const unit = await ledger.accounts.find(orgUnitId, 'fund');
    if (!covers(user, unit.path)) throw forbidden(`${orgUnitId} is outside your org unit`);
  };

  app.post(
    '/transfers',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['timebank'],
        summary:
          'Move credits: pay a fund for a service order, give to a family member, or (admin) grant from a fund',
        headers: idempotencyHeaders,
        body: z.object({
          from: accountRefSchema,
          to: accountRefSchema,
          minutes: z.number().int().min(1).max(1_000_000),
          memo: z.string().trim().min(1).max(200).optional(),
          service_order_id: z.string().min(1).max(100).optional().describe('the service order paid for'),
          beneficiary_id: ownerId.optional().describe('whom the service is for, e.g. a parent'),
        }),
        response: { 200: z.object({ transfer: transferSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const { body } = request;
      const from = await payer(user, body.from);
      const to = await target(user, body.to);
      const outcome = await ledger.transfers.move({
        idempotencyKey: request.headers['idempotency-key'],
        actor: user.username,
        from,
        to,
        minutes: body.minutes,
        memo: body.memo,
        serviceOrderId: body.service_order_id,
        beneficiaryId: body.beneficiary_id,
      });
      return answer(reply, outcome);
    },
  );

  app.get(
    '/deposits',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary: 'Certified services of your org unit, newest first (status=flagged: waiting for a decision)',
        querystring: z.object({
          status: z.enum(['paid', 'flagged', 'approved', 'rejected', 'reversed']).optional(),
        }),
        response: { 200: z.object({ services: z.array(claimSchema) }), ...errors },
      },
    },
    async (request) => ({
      services: await ledger.earnings.claims(signedIn(request).scopePath, request.query.status),
    }),
  );

  app.post(
    '/redemptions',
    {
      preHandler: allow('admin', 'specialist', 'family', 'responder'),
      schema: {
        tags: ['timebank'],
        summary:
          "Redeem items of a community's catalog with credits (stock goes down in the same transaction)",
        headers: idempotencyHeaders,
        body: z.object({
          payer: accountRefSchema,
          item_id: z.string().min(1).max(100),
          quantity: z.number().int().min(1).max(1000).default(1),
        }),
        response: {
          200: z.object({ transfer: transferSchema, stock_left: z.number().int() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const outcome = await ledger.redemptions.redeem({
        idempotencyKey: request.headers['idempotency-key'],
        actor: user.username,
        payer: await payer(user, request.body.payer),
        itemId: request.body.item_id,
        quantity: request.body.quantity,
      });
      return answer(reply, outcome);
    },
  );

  app.post(
    '/corrections',
    {
      preHandler: allow('admin', 'specialist'),
      schema: {
        tags: ['timebank'],
        summary: 'Correct a transfer: a new transfer that reverses it (a transfer is never edited)',
        headers: idempotencyHeaders,
        body: z.object({
          transfer_id: z.string().min(1).max(100),
          reason: z.string().trim().min(1).max(500),
        }),
        response: { 200: z.object({ transfer: transferSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const original = await ledger.transfers.get(request.body.transfer_id);
      if (!original) throw new HttpError(404, 'unknown_transfer', `no transfer ${request.body.transfer_id}`);
      await inScope(user, original.org_unit_id);
      const outcome = await ledger.transfers.correct({
        idempotencyKey: request.headers['idempotency-key'],
        actor: user.username,
        transferId: original.id,
        reason: request.body.reason,
      });
      return answer(reply, outcome);
    },
  );
};
