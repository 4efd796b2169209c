import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { offset } from './daily-life.js';
import type { ResponderPlan } from './district-generator.js';
import type { HubApi } from './hub-api.js';
import { SimClock } from './sim-clock.js';

interface Offer {
  offer_id: string;
  alert_id: string;
  kind: string;
}
interface Task {
  alert_id: string;
  elder: { id: string; lat: number | null; lon: number | null };
}

export interface CrewCounters {
  offers: number;
  accepted: number;
  declined: number;
  lostRace: number;
  checkins: number;
}

/**
 * Simulated responders on their phones (`/responder` socket): on duty (staff round the
 * clock, volunteers 07:00–22:00), moving about their community, answering offers after a
 * realistic pause (mostly accepting), walking to the home and checking in there.
 */
export class ResponderCrew {
  readonly counters: CrewCounters = { offers: 0, accepted: 0, declined: 0, lostRace: 0, checkins: 0 };
  /** First acceptance per alert (hub clock). */
  readonly acceptedAt = new Map<string, number>();
  private readonly members: Array<{
    plan: ResponderPlan;
    socket: Socket;
    busy: boolean;
    onDuty: boolean;
    at: { lat: number; lon: number };
  }> = [];
  private lastMove = 0;

  constructor(
    private readonly deps: {
      api: HubApi;
      baseUrl: string;
      logger: Logger;
      random: () => number;
      now: () => number;
      wallDelay: (simMs: number) => number;
      /** Checked in at the home: someone there now helps (the simulator closes the alert). */
      onSite: (alertId: string, elderId: string) => void;
    },
  ) {}

  get size(): number {
    return this.members.length;
  }

  async start(plans: ResponderPlan[]): Promise<void> {
    for (const plan of plans) {
      try {
        const token = await this.deps.api.login(plan.id, plan.password);
        const socket = io(`${this.deps.baseUrl}/responder`, {
          auth: { token },
          transports: ['websocket'],
          reconnection: true,
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const member = { plan, socket, busy: false, onDuty: false, at: plan.home };
        socket.on('offer', (o: Offer) => this.offer(member, o));
        socket.on('task:closed', () => {
          member.busy = false;
        });
        this.members.push(member);
      } catch (error) {
        this.deps.logger.warn(
          { responder: plan.id, err: (error as Error).message },
          'responder not simulated',
        );
      }
    }
    this.step(this.deps.now(), true);
  }

  /** Duty by the hour, a walk now and then. */
  step(t: number, force = false): void {
    const m = SimClock.localMinute(t);
    const day = m >= 420 && m < 1320;
    for (const member of this.members) {
      const duty = member.plan.kind === 'staff' || day;
      if (duty !== member.onDuty) {
        member.onDuty = duty;
        void this.request(member.socket, 'duty', { on_duty: duty });
      }
    }
    if (force || t - this.lastMove >= 30 * 60_000) {
      this.lastMove = t;
      for (const member of this.members) {
        if (member.busy) continue;
        member.at = offset(member.plan.home, this.deps.random() * 400, this.deps.random() * 2 * Math.PI);
        void this.request(member.socket, 'location', member.at);
      }
    }
  }

  stop(): void {
    for (const m of this.members) m.socket.close();
  }

  private offer(member: (typeof this.members)[number], offer: Offer): void {
    this.counters.offers++;
    const r = this.deps.random;
    // reading the phone and deciding: 10–50 s
    const pause = 10_000 + r() * 40_000;
    setTimeout(async () => {
      if (member.busy || r() < 0.15) {
        this.counters.declined++;
        await this.request(member.socket, 'offer:decline', { offer_id: offer.offer_id });
        return;
      }
      const answer = (await this.request(member.socket, 'offer:accept', { offer_id: offer.offer_id })) as {
        ok: boolean;
        task?: Task;
      } | null;
      if (!answer?.ok || !answer.task) {
        this.counters.lostRace++;
        return;
      }
      this.counters.accepted++;
      member.busy = true;
      if (!this.acceptedAt.has(offer.alert_id)) this.acceptedAt.set(offer.alert_id, this.deps.now());
      this.travel(member, answer.task);
    }, this.deps.wallDelay(pause));
  }

  /** Walking at 1.2 m/s after a minute to get going, at most 25 minutes. */
  private travel(member: (typeof this.members)[number], task: Task): void {
    const { lat, lon } = task.elder;
    if (lat === null || lon === null) return;
    const meters = Math.hypot(
      (lat - member.at.lat) * 111_320,
      (lon - member.at.lon) * 111_320 * Math.cos((lat * Math.PI) / 180),
    );
    const simMs = Math.min(25 * 60_000, 60_000 + (meters / 1.2) * 1000);
    setTimeout(async () => {
      member.at = { lat, lon };
      const answer = (await this.request(member.socket, 'checkin', { lat, lon })) as { ok: boolean } | null;
      if (answer?.ok) {
        this.counters.checkins++;
        this.deps.onSite(task.alert_id, task.elder.id);
      }
    }, this.deps.wallDelay(simMs));
  }

  private async request(socket: Socket, event: string, payload: unknown): Promise<unknown> {
    try {
      return await socket.timeout(10_000).emitWithAck(event, payload);
    } catch {
      return null;
    }
  }
}
