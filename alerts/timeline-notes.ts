import { z } from 'zod';
import { type Coded, readParams, storedText } from '../kernel/coded-text.js';
import type { CallNote } from './call-log.js';

/**
 * What the hub itself writes on a timeline (an alert's or a service order's): a stable code and
 * its parameters, stored beside an English sentence. The console renders the code in the
 * reader's language; the English stays for older rows and for API clients that read `note`.
 * A specialist's typed note is stored as typed, without a code.
 */
export interface OfferedResponder {
  id: string;
  name: string;
  kind: string;
  distance_m: number;
}

/** Each code with its parameters. Append only: stored rows keep their codes. */
export interface NoteParams {
  opened: { kind: string };
  acknowledged: Record<string, never>;
  offered: { step: number; steps: number; responders: OfferedResponder[] };
  nobody_available: { step: number; steps: number };
  no_location: Record<string, never>;
  ladder_ended: Record<string, never>;
  escalated: { to: string };
  accepted: { distance_m: number | null };
  assigned_by_hand: { responder_id: string };
  declined: Record<string, never>;
  checked_in: { distance_m: number };
  /** The responder gave the task back; the ladder resumed. */
  handed_back: { responder_id: string };
  /** The responder did not check in by the expected arrival; the task went back. */
  checkin_overdue: { responder_id: string };
  /** An offer taken back from a responder who cannot get it: their app has been offline past the grace. */
  offer_withdrawn: { responder_id: string; reason: 'app_offline' };
  /** `text`: the specialist's own words, when they gave any. */
  closed: { outcome: string; text?: string };
  wearer_ok: { device_id: string };
  /** A watch's fall not raised: the radar saw the person up and alone this many seconds. */
  radar_upright: { device_id: string; upright_s: number };
  order_requested: { kind: string };
  order_rated: { rating: number };
  /** A specialist took a taken order from its volunteer: to another (`to`), or back to the community (null). */
  order_reassigned: { from: string; to: string | null };
  order_certified: { claimed_minutes: number; measured_minutes: number; credit_status: string };
  order_emergency_response: { alert_id: string };
  /** The note of an emergency response's service order: what the alert was and how it ended. */
  order_emergency_alert: { alert_kind: string; outcome: string | null };
  /** A call the specialist made about the alert (alerts/call-log.ts); `name`, `phone` go on an erasure. */
  called: CallNote;
  /** A service visit ended at the home; `confirmation`: by the elder's code, the family, or none yet. */
  order_checked_out: { distance_m: number; confirmation: string | null };
  /** The elder's family confirmed the visit. */
  order_confirmed: { by: string };
  /** The volunteer gave the order back before the visit: open to the community again. */
  order_handed_back: { volunteer_id: string };
  /** A specialist decided an unconfirmed (or over-claimed) certified service: paid or refused. */
  order_decided: { decision: 'approved' | 'rejected'; minutes: number };
  /** The family escalation the district's bridge (SMS, WeChat) never took: given up, the family not told that way. */
  family_not_reached: Record<string, never>;
}
export type NoteCode = keyof NoteParams;
export const noteCodes = Object.keys({
  opened: 1,
  acknowledged: 1,
  offered: 1,
  nobody_available: 1,
  no_location: 1,
  ladder_ended: 1,
  escalated: 1,
  accepted: 1,
  assigned_by_hand: 1,
  declined: 1,
  checked_in: 1,
  closed: 1,
  wearer_ok: 1,
  order_requested: 1,
  order_rated: 1,
  order_reassigned: 1,
  order_certified: 1,
  order_emergency_response: 1,
  order_emergency_alert: 1,
  handed_back: 1,
  checkin_overdue: 1,
  offer_withdrawn: 1,
  called: 1,
  order_checked_out: 1,
  order_confirmed: 1,
  order_handed_back: 1,
  order_decided: 1,
  radar_upright: 1,
  family_not_reached: 1,
} satisfies Record<NoteCode, 1>) as NoteCode[];

export type CodedNote = Coded<NoteParams>;

/** A timeline note as written: the hub's coded note, a person's text, or nothing. */
export type TimelineNote = CodedNote | string | null;

/** The English sentence of a coded note: what `note` held before codes existed. */
export function englishNote(note: CodedNote): string {
  switch (note.code) {
    case 'opened':
      return note.params.kind;
    case 'acknowledged':
      return 'acknowledged';
    case 'offered': {
      const { step, steps, responders } = note.params;
      const names = responders.map((r) => `${r.id} (${r.kind}, ${r.distance_m} m)`).join(', ');
      return `step ${step}/${steps}: offered to ${names}`;
    }
    case 'nobody_available':
      return `step ${note.params.step}/${note.params.steps}: nobody available`;
    case 'no_location':
      return 'no home location: nobody can be offered';
    case 'ladder_ended':
      return 'ladder ended';
    case 'escalated':
      return `escalated to ${note.params.to}`;
    case 'accepted':
      return `accepted offer (${note.params.distance_m} m away)`;
    case 'assigned_by_hand':
      return `assigned by hand to ${note.params.responder_id}`;
    case 'declined':
      return 'declined the offer';
    case 'checked_in':
      return `checked in ${note.params.distance_m} m from the home`;
    case 'handed_back':
      return `${note.params.responder_id} gave the task back`;
    case 'checkin_overdue':
      return `${note.params.responder_id} did not check in in time: the task went back`;
    case 'offer_withdrawn':
      return `offer to ${note.params.responder_id} withdrawn: their app is offline`;
    case 'closed':
      return note.params.text ?? note.params.outcome;
    case 'wearer_ok':
      return `"I'm OK" pressed on ${note.params.device_id}`;
    case 'radar_upright':
      return `radar ${note.params.device_id} saw the person up and alone for ${note.params.upright_s} s: the watch's fall was not raised`;
    case 'order_requested':
      return note.params.kind;
    case 'order_rated':
      return `${note.params.rating}/5`;
    case 'order_reassigned':
      return note.params.to
        ? `reassigned from ${note.params.from} to ${note.params.to}`
        : `taken from ${note.params.from}: open again`;
    case 'order_certified': {
      const p = note.params;
      return `claimed ${p.claimed_minutes} min of ${p.measured_minutes} measured: ${p.credit_status}`;
    }
    case 'order_emergency_response':
      return `emergency response to alert ${note.params.alert_id}`;
    case 'order_emergency_alert': {
      const { alert_kind, outcome } = note.params;
      return `${alert_kind} alert${outcome ? `: ${outcome}` : ''}`;
    }
    case 'order_checked_out': {
      const how = note.params.confirmation ? `confirmed by ${note.params.confirmation}` : 'unconfirmed';
      return `checked out ${note.params.distance_m} m from the home, ${how}`;
    }
    case 'order_confirmed':
      return `visit confirmed by ${note.params.by}`;
    case 'order_handed_back':
      return `${note.params.volunteer_id} gave the order back: open again`;
    case 'order_decided':
      return `${note.params.decision}: ${note.params.minutes} min`;
    case 'family_not_reached':
      return 'the family escalation did not reach the district bridge (SMS, WeChat): given up, the family was not told that way';
    case 'called': {
      const p = note.params;
      const who = p.callee === 'elder' ? 'the elder' : `contact ${p.position}`;
      const text = p.text ? `. ${p.text}` : '';
      const reachedAt = [p.name, p.phone].filter(Boolean).join(', ');
      return `called ${who}${reachedAt ? ` (${reachedAt})` : ''}: ${p.reached ? 'reached' : 'not reached'}, ${p.outcome}${text}`;
    }
  }
}

/** The columns a note is stored in. */
export function noteColumns(note: TimelineNote | undefined): {
  note: string | null;
  note_code: string | null;
  note_params: string | null;
} {
  if (note === null || note === undefined) return { note: null, note_code: null, note_params: null };
  const { text, code, params } = storedText(note, englishNote);
  return { note: text, note_code: code, note_params: params };
}

/** A stored row's note as the API gives it: the English text, and the code with its parameters. */
export function readNote(row: {
  note: string | null;
  note_code?: string | null;
  note_params?: string | null;
}): {
  note: string | null;
  code: string | null;
  params: Record<string, unknown> | null;
} {
  return {
    note: row.note,
    code: row.note_code ?? null,
    params: readParams(row.note_params),
  };
}

/** A timeline entry in the API (alerts and service orders alike). */
export const timelineEntrySchema = z.object({
  at: z.number(),
  actor: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string(),
  note: z.string().nullable().describe('English; for the hub’s own notes the fallback of `code`'),
  code: z
    .string()
    .nullable()
    .describe('the hub’s own notes: a stable code to render in any language; null for a person’s note'),
  params: z.record(z.string(), z.unknown()).nullable().describe('the parameters of `code`'),
});
