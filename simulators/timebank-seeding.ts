import type { HubApi } from './fleet/hub-api.js';

/** The community catalog's items (local redemption), priced in time-bank minutes. */
const catalogItems = [
  { name: '上门理发 Home haircut', price_minutes: 30, stock: 20 },
  { name: '助浴服务 Bathing help', price_minutes: 60, stock: 10 },
  { name: '代买代购 Shopping errand', price_minutes: 20, stock: 50 },
  { name: '陪同就医 Clinic escort', price_minutes: 90, stock: 10 },
  { name: '长者饭堂餐券 Canteen meal voucher', price_minutes: 15, stock: 100 },
];

interface Order {
  id: string;
  kind: string;
  status: string;
  requested_by: string | null;
  elder?: { lat: number | null; lon: number | null } | null;
  proof?: { confirmation: string | null };
}

/**
 * What the demo's time bank shows from the start, made through the API as its people would:
 * each community's catalog, and a meal delivery the family asked for, a volunteer served and
 * the family rated — waiting for a specialist to certify. Both are looked up first, so a demo
 * started again on its store adds nothing twice (and finishes an order a stop interrupted).
 */
export class TimebankSeeding {
  constructor(
    private readonly deps: {
      /** Signed in as someone who keeps the communities' catalogs (the admin). */
      keeper: HubApi;
      communities: readonly string[];
      family: { api: HubApi; username: string; elderId: string };
      /** A volunteer of the elder's community. */
      volunteer: HubApi;
      /** How long the delivery takes (the measured minutes the specialist certifies). */
      serviceMs: number;
      /** Lets `ms` of the service pass (the demo waits; a test moves the hub's clock). */
      serviceTime: (ms: number) => Promise<void>;
    },
  ) {}

  /** Adds the catalog items a community does not list yet; returns how many were added. */
  async catalog(): Promise<number> {
    const { keeper } = this.deps;
    let added = 0;
    for (const community of this.deps.communities) {
      const listed = await keeper.call<{ items?: Array<{ name: string }> }>(
        'GET',
        `/api/v1/timebank/catalog?org_unit=${community}&withdrawn=true`,
      );
      const names = new Set((listed.body.items ?? []).map((i) => i.name));
      for (const item of catalogItems.filter((i) => !names.has(i.name))) {
        const created = await keeper.call('POST', '/api/v1/timebank/catalog', {
          org_unit_id: community,
          ...item,
        });
        if (created.status !== 201) throw new Error(`catalog item refused: ${JSON.stringify(created.body)}`);
        added += 1;
      }
    }
    return added;
  }

  /** A meal delivery of the family's, rated and waiting for certification (made or finished if none waits). */
  async ratedOrder(): Promise<Order> {
    const { family, volunteer } = this.deps;
    const listed = await family.api.call<{ orders?: Order[] }>('GET', '/api/v1/service-orders?limit=1000');
    const ours = (listed.body.orders ?? []).filter(
      (o) => o.kind === 'meal_delivery' && o.requested_by === family.username,
    );
    const waiting = ours.find((o) => o.status === 'rated');
    if (waiting) return waiting;
    let order =
      ours.find((o) => ['requested', 'taken', 'in_progress', 'done'].includes(o.status)) ??
      (await this.step(family.api, 'POST', '/api/v1/service-orders', {
        elder_id: family.elderId,
        kind: 'meal_delivery',
        note: '午餐送餐，少盐 — lunch delivery, little salt',
        wanted_at: Date.now(),
      }));
    const path = `/api/v1/service-orders/${order.id}`;
    for (;;) {
      // A home not on the map is not checked: any position does.
      const home = { lat: order.elder?.lat ?? 0, lon: order.elder?.lon ?? 0 };
      if (order.status === 'requested') order = await this.step(volunteer, 'POST', `${path}/take`);
      // The simulated volunteer stands at the elder's home, where the hub checks them in and out.
      else if (order.status === 'taken') order = await this.step(volunteer, 'POST', `${path}/check-in`, home);
      else if (order.status === 'in_progress') {
        await this.deps.serviceTime(this.deps.serviceMs);
        // The elder's watch showed the code; here the family confirms the visit instead (the demo's
        // watch is not read out loud), so the certification is not flagged.
        if (!order.proof?.confirmation) await this.step(family.api, 'POST', `${path}/confirm`);
        order = await this.step(volunteer, 'POST', `${path}/check-out`, home);
      } else if (order.status === 'done')
        order = await this.step(family.api, 'POST', `${path}/rate`, {
          rating: 5,
          comment: '饭菜还热，谢谢！',
        });
      else return order;
    }
  }

  private async step(api: HubApi, method: string, path: string, body?: unknown): Promise<Order> {
    const answer = await api.call<Order>(method, path, body);
    if (answer.status !== 200 && answer.status !== 201)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
