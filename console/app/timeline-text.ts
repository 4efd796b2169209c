import { memoText } from '../../timebank/ledger-texts';
import { type TextKey, t, term } from './i18n';
import type { TimelineEntry } from './types';

type Params = Record<string, unknown>;
const num = (value: unknown) => (typeof value === 'number' ? value : '?');
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * A timeline entry's note in the reader's language: the hub's coded notes through the
 * dictionary, a person's note as typed, and an old row (no code) in its stored English.
 */
export function noteText(
  entry: Pick<TimelineEntry, 'note' | 'code' | 'params'>,
  nameOf: (id: string) => string,
): string {
  const p: Params = entry.params ?? {};
  switch (entry.code) {
    case null:
      return entry.note ?? '';
    case 'opened':
    case 'order_requested':
      return t(`note.${entry.code}`, {
        kind: entry.code === 'opened' ? term('kind', str(p.kind)) : term('service', str(p.kind)),
      });
    case 'offered': {
      const responders = Array.isArray(p.responders) ? (p.responders as Params[]) : [];
      const names = responders
        .map((r) =>
          t('note.offeredTo', {
            name: str(r.name) || str(r.id),
            kind: term('responder', str(r.kind)),
            m: num(r.distance_m),
          }),
        )
        .join(t('listSeparator'));
      return t('note.offered', { step: num(p.step), steps: num(p.steps), names });
    }
    case 'nobody_available':
      return t('note.nobody_available', { step: num(p.step), steps: num(p.steps) });
    case 'escalated':
      return t('note.escalated', { to: term('escalateTo', str(p.to)) });
    case 'accepted':
    case 'checked_in':
      return t(`note.${entry.code}`, { m: num(p.distance_m) });
    case 'assigned_by_hand':
      return t('note.assigned_by_hand', { responder: nameOf(str(p.responder_id)) });
    case 'handed_back':
    case 'checkin_overdue':
    case 'offer_withdrawn':
      return t(`note.${entry.code}`, { responder: nameOf(str(p.responder_id)) });
    case 'closed': {
      const outcome = term('outcome', str(p.outcome));
      return p.text
        ? t('note.closedWithText', { outcome, text: str(p.text) })
        : t('note.closed', { outcome });
    }
    case 'order_emergency_alert': {
      const kind = term('kind', str(p.alert_kind));
      return p.outcome
        ? t('note.order_emergency_alert_outcome', { kind, outcome: term('outcome', str(p.outcome)) })
        : t('note.order_emergency_alert', { kind });
    }
    case 'wearer_ok':
      return t('note.wearer_ok', { device: str(p.device_id) });
    case 'radar_upright':
      return t('note.radar_upright', { device: str(p.device_id), s: num(p.upright_s) });
    case 'order_rated':
      return t('note.order_rated', { rating: num(p.rating) });
    case 'order_reassigned':
      return p.to
        ? t('note.order_reassigned', { from: nameOf(str(p.from)), to: nameOf(str(p.to)) })
        : t('note.order_reopened', { from: nameOf(str(p.from)) });
    case 'order_certified':
      return t('note.order_certified', {
        claimed: num(p.claimed_minutes),
        measured: num(p.measured_minutes),
        status: term('credit', str(p.credit_status)),
      });
    case 'order_checked_out':
      return t('note.order_checked_out', {
        m: num(p.distance_m),
        how: t(`note.how.${str(p.confirmation) || 'none'}` as TextKey),
      });
    case 'order_confirmed':
      return t('note.order_confirmed', { by: nameOf(str(p.by)) });
    case 'order_handed_back':
      return t('note.order_handed_back', { volunteer: nameOf(str(p.volunteer_id)) });
    case 'order_decided':
      return p.decision === 'approved'
        ? t('note.order_approved', { m: num(p.minutes) })
        : t('note.order_rejected');
    case 'called': {
      const who =
        p.callee === 'elder'
          ? t('note.calledElder')
          : t('note.calledContact', { n: num(p.position), name: str(p.name) });
      const values = {
        who,
        phone: str(p.phone),
        reached: t(p.reached ? 'calls.yes' : 'calls.no'),
        outcome: t(`callOutcome.${str(p.outcome)}` as TextKey),
        text: str(p.text),
      };
      return t(p.text ? 'note.calledWithText' : 'note.called', values);
    }
    default: {
      // Codes without parameters; a code newer than this app falls back to the English.
      const key = `note.${entry.code}` as TextKey;
      return t(key) === key ? (entry.note ?? '') : t(key);
    }
  }
}

/** A transfer's memo in the reader's language (the ledger's codes; a typed memo as typed). */
export const ledgerMemo = (entry: Parameters<typeof memoText>[0]): string => memoText(entry, t);

/** Who did it: the hub and the wearer by role, people by name where known. */
export function actorText(actor: string, nameOf: (id: string) => string): string {
  return actor === 'hub' || actor === 'wearer' ? term('actor', actor) : nameOf(actor);
}
