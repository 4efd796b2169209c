import type { SignedInUser } from '../kernel/identity.js';
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

  constructor(deps: { db: Database; credits: ServiceCredits; now: () => number }) {
    const { db, credits, now } = deps;
    this.book = new ServiceOrderBook({ db, now });
    this.kinds = new ServiceKinds({ db, now });
    this.requests = new ServiceRequests({ db, book: this.book, kinds: this.kinds, now });
    this.certification = new ServiceCertification({ book: this.book, credits });
    this.emergencies = new EmergencyResponses({ db, book: this.book, now });
  }

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

  checkIn(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.requests.checkIn(actor, id);
  }

  checkOut(actor: SignedInUser, id: string): Promise<ServiceOrderView> {
    return this.requests.checkOut(actor, id);
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
