import type { Logger } from 'pino';
import type { DistrictDocumentInput } from '../registry/district-document.js';
import { demoDistrict, demoPeople, demoVolunteerPassword } from './demo-district.js';
import { DutyDesk } from './duty-desk.js';
import { HubApi } from './fleet/hub-api.js';
import { type PhoneTimings, SimulatedPhone } from './simulated-phone.js';
import { TimebankSeeding } from './timebank-seeding.js';

export interface CastTimings {
  phone: PhoneTimings;
  /** A volunteer on site this long is done: the duty desk closes the alert (≥ 30 s: a measured, credited minute). */
  deskDwellMs: number;
  /** The family's meal delivery, checked in to checked out. */
  deliveryMs: number;
}

/** The demo's pace: an SOS is closed and credited about a minute after it was pressed. */
export const demoTimings: CastTimings = {
  phone: { acceptMs: [3000, 6000], walkMs: 8000, lookMs: 1000 },
  deskDwellMs: 35_000,
  deliveryMs: 45_000,
};

/** The seeded volunteer who served the family's meal delivery (not one the printout names). */
const deliveryVolunteer = 'v-0005';

/**
 * The demo's people on a running hub, all through its API and sockets: the district document
 * (elders, devices, volunteers, users), each community's catalog, a simulated phone for every
 * volunteer, the street's duty desk, and the family's rated meal delivery.
 */
export class DemoCast {
  readonly phones: SimulatedPhone[] = [];
  readonly district: DistrictDocumentInput = demoDistrict();
  private desk: DutyDesk | undefined;

  constructor(
    private readonly deps: {
      baseUrl: string;
      adminPassword: string;
      /** Sockets signed in as `username` other than the socket `exceptId` (the hub's socket sessions). */
      signedIn: (username: string, exceptId: string | undefined) => number;
      timings: CastTimings;
      /** Lets `ms` of a service pass (the demo waits; a test moves the hub's clock). */
      serviceTime: (ms: number) => Promise<void>;
      random: () => number;
      say: (line: string) => void;
      logger: Logger;
    },
  ) {}

  /**
   * Applies the district and the catalogs, then puts the desk and the phones to work. The rated
   * order takes its delivery's time: the promise it returns settles when it waits for certification.
   */
  async start(): Promise<{ ratedOrder: Promise<{ id: string }> }> {
    const { baseUrl, adminPassword, timings, serviceTime, say, logger } = this.deps;
    const admin = new HubApi({ baseUrl, username: 'admin', password: adminPassword });
    const put = await admin.call('PUT', '/api/v1/district', this.district);
    if (put.status !== 200) throw new Error(`demo district refused: ${JSON.stringify(put.body)}`);
    const communities = (this.district.org_units ?? [])
      .filter((u) => u.level === 'community')
      .map((u) => u.id);
    const { family, desk } = demoPeople;
    const seeding = new TimebankSeeding({
      keeper: admin,
      communities,
      family: {
        api: new HubApi({ baseUrl, username: family.username, password: family.password }),
        username: family.username,
        elderId: family.elderId,
      },
      volunteer: new HubApi({ baseUrl, username: deliveryVolunteer, password: demoVolunteerPassword }),
      serviceMs: timings.deliveryMs,
      serviceTime,
    });
    await seeding.catalog();

    this.desk = new DutyDesk({
      baseUrl,
      api: new HubApi({ baseUrl, username: desk.username, password: desk.password }),
      dwellMs: timings.deskDwellMs,
      serviceTime,
      say,
      logger,
    });
    await this.desk.start();
    const volunteers = (this.district.responders ?? []).filter((r) => r.kind === 'volunteer');
    for (const volunteer of volunteers) {
      this.phones.push(
        new SimulatedPhone({
          baseUrl,
          volunteer: { id: volunteer.id, name: volunteer.name, post: volunteer.location! },
          signIn: () => admin.login(volunteer.id, demoVolunteerPassword),
          othersSignedIn: (ownId) => this.deps.signedIn(volunteer.id, ownId),
          timings: timings.phone,
          random: this.deps.random,
          say,
          logger,
        }),
      );
    }
    await Promise.all(this.phones.map((phone) => phone.start()));
    return { ratedOrder: seeding.ratedOrder() };
  }

  /** The phone of a volunteer. */
  phone(volunteerId: string): SimulatedPhone {
    const phone = this.phones.find((p) => p.volunteerId === volunteerId);
    if (!phone) throw new Error(`no simulated phone for ${volunteerId}`);
    return phone;
  }

  stop(): void {
    for (const phone of this.phones) phone.stop();
    this.desk?.stop();
  }
}
