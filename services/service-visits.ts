import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { SignedInUser } from '../kernel/identity.js';
import { onSite, type Position } from '../registry/home-distance.js';
import type { ServiceOrderBook } from './service-order-book.js';
import {
  notFound,
  type OrderRow,
  ServiceOrderError,
  type ServiceOrderView,
  wrongStatus,
} from './service-order-model.js';

/** Sends a command to a device under the given `command_id` (the gateway's sendCommand). */
export type SendCommand = (
  deviceId: string,
  command: { command: string; [field: string]: unknown },
  commandId: string,
) => Promise<unknown>;

/**
 * Codes a visit takes before no code is accepted any more: 4 digits must not be guessed. The right
 * code takes a try too (it ends the visit, so after 4 wrong ones it still gets in).
 */
export const maxCodeAttempts = 5;

/**
 * Proof that a service happened: the volunteer checks in and out within `onSiteRadiusM` of the
 * elder's home (the same check as an alert's check-in), and the elder confirms the visit by a
 * short code the hub shows on their watch at check-in, which the volunteer enters at check-out;
 * or the family confirms it. Measured minutes run from check-in to check-out only.
 */
export class ServiceVisits {
  constructor(
    private readonly deps: {
      book: ServiceOrderBook;
      now: () => number;
      onSiteRadiusM: number;
      /** The elder's watch, where the code is shown; null: none. */
      watchOf: (elderId: string) => string | null;
      send: SendCommand;
      logger: Logger;
    },
  ) {}

  /** The volunteer arrives: at the home, the service starts and the elder's watch shows the visit's code. */
  async checkIn(actor: SignedInUser, id: string, at: Position): Promise<ServiceOrderView> {
    const row = await this.deps.book.ownRow(actor, id);
    if (row.status !== 'taken') throw wrongStatus(id, row.status, 'check in to');
    const distance = this.atHome(row, at, 'check in');
    const code = String(randomInt(0, 10_000)).padStart(4, '0');
    const watch = this.deps.watchOf(row.elder_id);
    await this.deps.book.moveOrRefuse(id, 'check in to', {
      from: ['taken'],
      volunteer: actor.username,
      to: 'in_progress',
      actor: actor.username,
      note: { code: 'checked_in', params: { distance_m: distance } },
      set: (_row, now) => ({
        checked_in_at: now,
        check_in_lat: at.lat,
        check_in_lon: at.lon,
        check_in_distance_m: distance,
        confirmation_code: code,
        code_device_id: watch,
        code_attempts: 0,
      }),
    });
    if (watch) await this.showCode(id, watch, code);
    return this.deps.book.get(actor, id);
  }

  /**
   * The volunteer leaves, at the home, with the elder's code if the elder read it out. A wrong code
   * is refused (the volunteer may try again or leave without one); without a code, or the family's
   * confirmation, the certification waits for a specialist's decision.
   */
  async checkOut(
    actor: SignedInUser,
    id: string,
    at: Position,
    code: string | undefined,
  ): Promise<ServiceOrderView> {
    const row = await this.deps.book.ownRow(actor, id);
    if (row.status !== 'in_progress') throw wrongStatus(id, row.status, 'check out of');
    const distance = this.atHome(row, at, 'check out');
    const byCode = code !== undefined && (await this.codeMatches(actor, row, code));
    const confirmation = row.confirmation ?? (byCode ? 'elder_code' : null);
    await this.deps.book.moveOrRefuse(id, 'check out of', {
      from: ['in_progress'],
      volunteer: actor.username,
      to: 'done',
      actor: actor.username,
      note: { code: 'order_checked_out', params: { distance_m: distance, confirmation } },
      set: (current, now) => ({
        checked_out_at: now,
        check_out_lat: at.lat,
        check_out_lon: at.lon,
        check_out_distance_m: distance,
        measured_minutes: Math.max(0, Math.round((now - (current.checked_in_at ?? now)) / 60_000)),
        ...(byCode && !current.confirmation
          ? { confirmation: 'elder_code', confirmed_by: actor.username, confirmed_at: now }
          : {}),
      }),
    });
    return this.deps.book.get(actor, id);
  }

  /** The family confirms the visit happened (the elder could not read the code), before it is certified. */
  async confirmByFamily(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    if (actor.role !== 'family')
      throw new ServiceOrderError(403, 'forbidden', 'the elder’s family confirms a visit');
    const row = await this.deps.book.staffRow(actor, id);
    if (row.confirmation) return this.deps.book.get(actor, id);
    const status = row.status as 'in_progress' | 'done' | 'rated';
    if (!['in_progress', 'done', 'rated'].includes(status)) throw wrongStatus(id, row.status, 'confirm');
    await this.deps.book.moveOrRefuse(id, 'confirm', {
      from: [status],
      to: status,
      actor: actor.username,
      note: { code: 'order_confirmed', params: { by: actor.username } },
      set: (_row, now) => ({ confirmation: 'family', confirmed_by: actor.username, confirmed_at: now }),
    });
    return this.deps.book.get(actor, id);
  }

  /** The volunteer cannot come after all: before the check-in, the request is open to the community again. */
  async handBack(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    await this.deps.book.ownRow(actor, id);
    await this.deps.book.moveOrRefuse(id, 'hand back', {
      from: ['taken'],
      volunteer: actor.username,
      to: 'requested',
      actor: actor.username,
      note: { code: 'order_handed_back', params: { volunteer_id: actor.username } },
      set: () => ({ volunteer_id: null, taken_at: null }),
    });
    // Theirs no more: the answer shows the order as any volunteer of the community sees it.
    return this.deps.book.get(actor, id);
  }

  /** Whole metres from the home, or a refusal that says how far. */
  private atHome(row: OrderRow, at: Position, action: string): number {
    const here = onSite({ lat: row.elder_lat, lon: row.elder_lon }, at, this.deps.onSiteRadiusM);
    if (!here.ok) {
      throw new ServiceOrderError(
        409,
        'too_far',
        `${here.distance_m} m from the elder's home: ${action} within ${this.deps.onSiteRadiusM} m of it`,
      );
    }
    return here.distance_m;
  }

  /**
   * True for the visit's code; a wrong one is refused with the tries left. A try is taken before the
   * code is compared, the right code's too: comparing first and counting after let parallel guesses
   * all be compared against a count that had not caught up.
   */
  private async codeMatches(actor: SignedInUser, row: OrderRow, code: string): Promise<boolean> {
    if (!row.confirmation_code)
      throw new ServiceOrderError(409, 'no_code', `service order ${row.id} has no confirmation code`);
    const tries = await this.deps.book.takeCodeTry(row.id, actor.username, maxCodeAttempts);
    if (tries === null) {
      const now = await this.deps.book.row(row.id);
      if (now?.volunteer_id !== actor.username) throw notFound(`no service order ${row.id} taken by you`);
      if (now.status !== 'in_progress') throw wrongStatus(row.id, now.status, 'check out of');
      throw new ServiceOrderError(
        409,
        'code_locked',
        `${maxCodeAttempts} wrong codes: no code is taken any more; check out without one or ask the family to confirm`,
      );
    }
    if (code === row.confirmation_code) return true;
    const left = maxCodeAttempts - tries;
    throw new ServiceOrderError(
      409,
      'wrong_code',
      `the code does not match the one shown on the elder's watch (${left} ${left === 1 ? 'try' : 'tries'} left)`,
    );
  }

  /** The watch shows the code (protocol `notify`); the visit goes on without it if the watch cannot be reached. */
  private async showCode(id: string, watch: string, code: string): Promise<void> {
    try {
      await this.deps.send(
        watch,
        {
          command: 'notify',
          text: `志愿者已到。服务确认码 ${code}，服务结束时请告诉志愿者。`,
          level: 'info',
        },
        `visit-${id}`,
      );
      await this.deps.book.codeSent(id, this.deps.now());
    } catch (error) {
      this.deps.logger.warn({ err: error, order: id, device: watch }, 'visit code not shown on the watch');
    }
  }
}
