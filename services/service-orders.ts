import type { Logger } from 'pino';
import type { SignedInUser } from '../kernel/identity.js';
import type { Position } from '../registry/home-distance.js';
import type { Database } from '../store/database.js';
import { EmergencyResponses } from './emergency-responses.js';
import { ServiceCertification } from './service-certification.js';
import { ServiceKinds } from './service-kinds.js';
import { ServiceOrderBook } from './service-order-book.js';
import type {
  RequestKind,
  ResolvedAlert,
  ServiceCredits,
  ServiceOrderView,
  ServiceStatus,
  TimelineEntry,
} from './service-order-model.js';
import { ServiceRequests } from './service-requests.js';
import { type SendCommand, ServiceVisits } from './service-visits.js';
import { VolunteerRecord } from './volunteer-record.js';

export {
  type RequestKind,
  type ResolvedAlert,
  type ServiceCredits,
  type ServiceKind,
  ServiceOrderError,
  type ServiceOrderView,
  type ServiceStatus,
  serviceStatuses,
  type TimelineEntry,
} from './service-order-model.js';

/**
 * The time bank's daily life: requests published for an elder, taken by a volunteer of
 * the elder's community (the first taker wins), served (check-in, check-out), rated,
 * and certified by a specialist, which deposits the credits through the ledger. Every
 * status change is a conditional update with its audit record, in one transaction
 * (service-order-book.ts). This is what the routes and the hub hold; the work is done by
 * requests (service-requests.ts), certification (service-certification.ts) and the
 * records of emergency responses (emergency-responses.ts).
 */
export class ServiceOrders {
  private readonly book: ServiceOrderBook;
  /** Also the writer of recurring requests' orders (recurring-requests.ts). */
  readonly requests: ServiceRequests;
  /** The menu of kinds a request may ask for (service-kinds.ts). */
  readonly kinds: ServiceKinds;
  private readonly certification: ServiceCertification;
  private readonly emergencies: EmergencyResponses;

  private readonly visits: ServiceVisits;

  constructor(deps: {
    db: Database;
    credits: ServiceCredits;
    now: () => number;
    /** Check-in and check-out within this distance of the home (dispatch's on-site radius). */
    onSiteRadiusM: number;
    /** The elder's watch, which shows the visit's confirmation code. */
    watchOf: (elderId: string) => string | null;
    send: SendCommand;
    logger: Logger;
    /** The district's local time, for the volunteer's months. */
    utcOffsetMinutes: number;
  }) {
    const { db, credits, now } = deps;
    this.book = new ServiceOrderBook({ db, now });
    this.kinds = new ServiceKinds({ db, now });
    this.requests = new ServiceRequests({ db, book: this.book, kinds: this.kinds, now });
    this.certification = new ServiceCertification({ book: this.book, credits });
    this.emergencies = new EmergencyResponses({ db, book: this.book, now });
    this.visits = new ServiceVisits({ ...deps, book: this.book });
    this.record = new VolunteerRecord({ db, book: this.book, now, utcOffsetMinutes: deps.utcOffsetMinutes });
  }

  /** The volunteer's own services, minutes and months (volunteer-record.ts). */
  readonly record: VolunteerRecord;

  /** An elder's family, a specialist or an admin asks for help for an elder in their scope. */
  publish(
    actor: SignedInUser,
    input: { elder_id: string; kind: RequestKind; note: string; wanted_at: number },
  ): Promise<ServiceOrderView> {
    return this.requests.publish(actor, input);
  }

  list(
    actor: SignedInUser,
    filter: { status?: ServiceStatus | undefined; limit: number },
  ): Promise<ServiceOrderView[]> {
    return this.requests.list(actor, filter);
  }

  get(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.book.get(actor, id);
  }

  timeline(actor: SignedInUser, id: string): Promise<TimelineEntry[]> {
    return this.requests.timeline(actor, id);
  }

  take(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.requests.take(actor, id);
  }

  /** At the home (within the on-site radius); the elder's watch shows the visit's code. */
  checkIn(actor: SignedInUser, id: string, at: Position): Promise<ServiceOrderView> {
    return this.visits.checkIn(actor, id, at);
  }

  /** At the home, with the elder's code if they read it out (without: certification is flagged). */
  checkOut(actor: SignedInUser, id: string, at: Position, code?: string): Promise<ServiceOrderView> {
    return this.visits.checkOut(actor, id, at, code);
  }

  /** The elder's family confirms the visit instead of the code. */
  confirm(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.visits.confirmByFamily(actor, id);
  }

  /** The volunteer gives a taken order back: open to the community again. */
  handBack(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.visits.handBack(actor, id);
  }

  /** A specialist approves or rejects the credits of a flagged certified service. */
  decide(
    actor: SignedInUser,
    id: string,
    decision: { approve: boolean; minutes?: number | undefined },
  ): Promise<ServiceOrderView> {
    return this.certification.decide(actor, id, decision);
  }

  /** A specialist moves a taken order to another volunteer of the community, or back to open (null). */
  reassign(actor: SignedInUser, id: string, volunteerId: string | null): Promise<ServiceOrderView> {
    return this.requests.reassign(actor, id, volunteerId);
  }

  cancel(actor: SignedInUser, id: string, reason: string | undefined): Promise<ServiceOrderView> {
    return this.requests.cancel(actor, id, reason);
  }

  rate(
    actor: SignedInUser,
    id: string,
    rating: { rating: number; comment?: string | undefined },
  ): Promise<ServiceOrderView> {
    return this.certification.rate(actor, id, rating);
  }

  certify(actor: SignedInUser, id: string, claimedMinutes: number): Promise<ServiceOrderView> {
    return this.certification.certify(actor, id, claimedMinutes);
  }

  recordEmergencyResponse(alert: ResolvedAlert): Promise<{ id: string; created: boolean } | null> {
    return this.emergencies.recordEmergencyResponse(alert);
  }

  recordMissedEmergencyResponses(since: number): Promise<number> {
    return this.emergencies.recordMissedEmergencyResponses(since);
  }
}
