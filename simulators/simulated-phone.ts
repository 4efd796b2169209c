import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type { AcceptResult, OfferView, TaskView } from '../dispatch/dispatch-notices.js';

export interface PhoneTimings {
  /** Reading the offer and deciding: a delay drawn from [min, max] ms. */
  acceptMs: readonly [number, number];
  /** Walking to the door after accepting. */
  walkMs: number;
  /** How often the phone looks whether a person is signed in as its volunteer. */
  lookMs: number;
}

/** What the phone did about an alert, in order (the demo's test reads it). */
export type PhoneStep = 'offered' | 'accepted' | 'not_taken' | 'left_to_person' | 'on_site' | 'closed';

type Position = { lat: number; lon: number };
type Answer = { ok: boolean; reason?: string };

/**
 * A volunteer's phone in the demo: the responder app's own protocol (`/responder` socket, the
 * token of a sign-in over HTTP) driven by a script. On duty at its post; an offer is accepted
 * after a few seconds, the volunteer walks to the door and checks in there; when the task
 * closes it goes back to its post. While a person is signed in as the same volunteer (another
 * socket of that user) it stands down and leaves every offer and task to them.
 */
export class SimulatedPhone {
  readonly diary: Array<{ alertId: string; step: PhoneStep }> = [];
  private socket: Socket | undefined;
  private personPresent = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Alerts whose task this phone took up; those it has not checked in at yet, with their task. */
  private readonly taken = new Set<string>();
  private readonly walking = new Map<string, TaskView>();
  /** Offers left to the person signed in, by id: answered by the phone if still open when they leave. */
  private readonly leftOffers = new Map<string, OfferView>();

  constructor(
    private readonly deps: {
      baseUrl: string;
      volunteer: { id: string; name: string; post: Position };
      /** A fresh token for the volunteer (a sign-in over the API). */
      signIn: () => Promise<string>;
      /** Sockets signed in as the volunteer other than the socket `ownId`: a person using the app. */
      othersSignedIn: (ownId: string | undefined) => number;
      timings: PhoneTimings;
      random: () => number;
      /** One line of the demo's story. */
      say: (line: string) => void;
      logger: Logger;
    },
  ) {}

  get volunteerId(): string {
    return this.deps.volunteer.id;
  }

  /** True while a person signed in as this volunteer does the answering. */
  get standingDown(): boolean {
    return this.personPresent;
  }

  async start(): Promise<void> {
    const socket = io(`${this.deps.baseUrl}/responder`, {
      auth: { token: await this.deps.signIn() },
      transports: ['websocket'],
    });
    this.socket = socket;
    // Listening before the connection is up: the hub sends what waits for the phone at once.
    socket.on('offer', (offer: OfferView) => this.offered(offer));
    // A task the hub holds for this volunteer (a restart, a reconnect, or one the person signed in
    // took or checked in at): go on with it, unless someone is at the door already.
    socket.on('task', (task: TaskView) => {
      for (const [id, offer] of this.leftOffers)
        if (offer.alert_id === task.alert_id) this.leftOffers.delete(id);
      if (task.on_site) this.arrived(task);
      else this.walkTo(task);
    });
    socket.on('task:closed', ({ alert_id }: { alert_id: string }) => this.closed(alert_id));
    socket.on('offer:withdrawn', ({ offer_id }: { offer_id: string }) => this.leftOffers.delete(offer_id));
    socket.on('disconnect', (reason) => {
      // The hub ended the sign-in (expired, rights changed): sign in again, as the app would.
      if (reason === 'io server disconnect') void this.reconnect();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await this.onDuty();
    const look = setInterval(() => this.look(), this.deps.timings.lookMs);
    this.timers.add(look);
    this.look();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socket?.close();
  }

  private async onDuty(): Promise<void> {
    await this.request('duty', { on_duty: true });
    await this.request('location', this.deps.volunteer.post);
  }

  private async reconnect(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    try {
      socket.auth = { token: await this.deps.signIn() };
      socket.connect();
    } catch (error) {
      this.deps.logger.warn({ err: error, volunteer: this.volunteerId }, 'phone not signed in again');
    }
  }

  /** A person signed in or left: say so once; when they leave, the phone picks up where they were. */
  private look(): void {
    const present = this.deps.othersSignedIn(this.socket?.id) > 0;
    if (present === this.personPresent) return;
    this.personPresent = present;
    const { id, name } = this.deps.volunteer;
    if (present) {
      this.deps.say(
        `${id} ${name}: 有人登录了这个志愿者账号，模拟手机让位 — a person signed in as ${id}: the simulated phone stands down, you answer`,
      );
    } else {
      this.deps.say(
        `${id} ${name}: 登录已退出，模拟手机接回 — nobody signed in as ${id}: the simulated phone answers again`,
      );
      // Back on duty (the person may have gone off); a task they left unfinished is walked to again.
      void this.request('duty', { on_duty: true });
      if (this.walking.size === 0) void this.request('location', this.deps.volunteer.post);
      for (const task of this.walking.values())
        this.later(this.deps.timings.walkMs, () => this.checkIn(task));
      // Offers the person left open, not yet expired: answered now, as the phone would have.
      const offers = [...this.leftOffers.values()].filter((o) => o.expires_at > Date.now());
      this.leftOffers.clear();
      for (const offer of offers) void this.accept(offer);
    }
  }

  private offered(offer: OfferView): void {
    this.note(offer.alert_id, 'offered');
    const { id, name } = this.deps.volunteer;
    this.deps.say(
      `${id} ${name} 收到派单 offered: ${offer.kind}, ${offer.distance_m} m${this.personPresent ? ' (left to you 留给您)' : ''}`,
    );
    const [min, max] = this.deps.timings.acceptMs;
    this.later(min + this.deps.random() * (max - min), () => this.accept(offer));
  }

  private async accept(offer: OfferView): Promise<void> {
    if (this.leftToPerson(offer.alert_id)) {
      this.leftOffers.set(offer.offer_id, offer);
      return;
    }
    const answer = await this.request<AcceptResult>('offer:accept', { offer_id: offer.offer_id });
    if (!answer?.ok) {
      // Someone else was quicker, or the offer expired: nothing to do.
      this.note(offer.alert_id, 'not_taken');
      return;
    }
    this.note(offer.alert_id, 'accepted');
    const { id, name } = this.deps.volunteer;
    this.deps.say(`${id} ${name} 接单 accepted → ${answer.task.elder.name}, ${answer.task.elder.address}`);
    this.walkTo(answer.task);
  }

  private walkTo(task: TaskView): void {
    if (this.taken.has(task.alert_id)) return;
    this.taken.add(task.alert_id);
    this.walking.set(task.alert_id, task);
    this.later(this.deps.timings.walkMs, () => this.checkIn(task));
  }

  /** Checked in at the door (by the person, on their own device): nothing left to walk to. */
  private arrived(task: TaskView): void {
    this.taken.add(task.alert_id);
    this.walking.delete(task.alert_id);
  }

  private async checkIn(task: TaskView): Promise<void> {
    if (!this.walking.has(task.alert_id) || this.leftToPerson(task.alert_id)) return;
    const { lat, lon } = task.elder;
    // At the door: ~20 m from the home's point, well within the 100 m the hub accepts.
    const door = lat === null || lon === null ? this.deps.volunteer.post : { lat: lat + 0.00018, lon };
    const answer = await this.request('checkin', door);
    // Checked in, or no longer this volunteer's to check in at (closed, given back, the person did).
    if (answer) this.walking.delete(task.alert_id);
    if (!answer?.ok) {
      this.deps.logger.info({ volunteer: this.volunteerId, answer }, 'check-in refused');
      return;
    }
    this.note(task.alert_id, 'on_site');
    const { id, name } = this.deps.volunteer;
    this.deps.say(`${id} ${name} 到达现场 on site at ${task.elder.name}'s door`);
  }

  private closed(alertId: string): void {
    this.note(alertId, 'closed');
    this.walking.delete(alertId);
    // Back to the post, where the next offers find the volunteer.
    if (!this.personPresent) void this.request('location', this.deps.volunteer.post);
  }

  /** A person signed in as this volunteer decides (the same offer and task are in their app). */
  private leftToPerson(alertId: string): boolean {
    this.look();
    if (this.personPresent) this.note(alertId, 'left_to_person');
    return this.personPresent;
  }

  private note(alertId: string, step: PhoneStep): void {
    this.diary.push({ alertId, step });
  }

  private later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work().catch((error: unknown) =>
        this.deps.logger.warn({ err: error, volunteer: this.volunteerId }, 'phone step failed'),
      );
    }, ms);
    this.timers.add(timer);
  }

  private async request<T = Answer>(event: string, payload: unknown): Promise<T | null> {
    try {
      return (await this.socket!.timeout(10_000).emitWithAck(event, payload)) as T;
    } catch {
      return null;
    }
  }
}
