/** The few HTTP calls the simulator makes on the hub (as admin, or as a responder to sign in). */
export class HubApi {
  private token = '';

  constructor(private readonly deps: { baseUrl: string; username: string; password: string }) {}

  get adminToken(): string {
    return this.token;
  }

  async login(username = this.deps.username, password = this.deps.password): Promise<string> {
    const res = await fetch(`${this.deps.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
    const token = ((await res.json()) as { token: string }).token;
    if (username === this.deps.username) this.token = token;
    return token;
  }

  /** An admin call; signs in again once if the token has expired. */
  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    for (let attempt = 0; ; attempt++) {
      if (!this.token) await this.login();
      const res = await fetch(`${this.deps.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 401 && attempt === 0) {
        this.token = '';
        continue;
      }
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
    }
  }

  /** Every alert the hub holds, page by page (newest first). */
  async allAlerts(): Promise<HubAlert[]> {
    const alerts: HubAlert[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await this.call<{ alerts?: HubAlert[]; next_cursor?: string | null }>(
        'GET',
        `/api/v1/alerts?limit=5000${query}`,
      );
      if (page.status !== 200) throw new Error(`alerts: ${page.status} ${JSON.stringify(page.body)}`);
      alerts.push(...(page.body.alerts ?? []));
      cursor = page.body.next_cursor ?? null;
    } while (cursor);
    return alerts;
  }

  async metric(name: string): Promise<number> {
    const res = await fetch(`${this.deps.baseUrl}/metrics`);
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(name) && !line.startsWith('#')) sum += Number(line.split(' ').pop()) || 0;
    return sum;
  }
}

export interface HubAlert {
  id: string;
  elder_id: string;
  device_id: string | null;
  kind: string;
  severity: string;
  status: string;
  opened_at: number;
  /** How it was closed (`radar_upright`: a watch's fall the radar saw the person up from, sent to nobody). */
  outcome?: string | null;
}
