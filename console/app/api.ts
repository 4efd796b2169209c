import type { Alert, Device, Elder, Me, Responder, TimelineEntry, VitalsPoint } from './types';

/** The hub's REST API under /api/v1, with the signed-in user's bearer token. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

export class Api {
  constructor(private readonly token: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))) as { code?: string; error?: string };
      throw new ApiError(response.status, error.code ?? error.error ?? String(response.status));
    }
    return (response.status === 204 ? null : await response.json()) as T;
  }

  me = () => this.call<Me>('GET', '/auth/me');
  logout = () => this.call<null>('POST', '/auth/logout');
  alerts = async (status: string, limit = 5000) =>
    (await this.call<{ alerts: Alert[] }>('GET', `/alerts?status=${status}&limit=${limit}`)).alerts;
  recentAlerts = async (limit = 50) =>
    (await this.call<{ alerts: Alert[] }>('GET', `/alerts?limit=${limit}`)).alerts;
  alert = (id: string) =>
    this.call<{ alert: Alert; timeline: TimelineEntry[] }>('GET', `/alerts/${encodeURIComponent(id)}`);
  acknowledge = (id: string) => this.call<Alert>('POST', `/alerts/${encodeURIComponent(id)}/acknowledge`);
  assign = (id: string, responderId: string) =>
    this.call<Alert>('POST', `/alerts/${encodeURIComponent(id)}/assign`, { responder_id: responderId });
  note = (id: string, text: string) =>
    this.call<null>('POST', `/alerts/${encodeURIComponent(id)}/notes`, { text });
  resolve = (id: string, outcome: string, note?: string) =>
    this.call<Alert>(
      'POST',
      `/alerts/${encodeURIComponent(id)}/resolve`,
      note ? { outcome, note } : { outcome },
    );
  devices = async () => (await this.call<{ devices: Device[] }>('GET', '/devices?limit=10000')).devices;
  elders = async () => (await this.call<{ elders: Elder[] }>('GET', '/elders')).elders;
  responders = async () => (await this.call<{ responders: Responder[] }>('GET', '/responders')).responders;
  vitals = async (elderId: string, from: number, to: number, step = 300) =>
    (
      await this.call<{ points: VitalsPoint[] }>(
        'GET',
        `/elders/${encodeURIComponent(elderId)}/vitals?from=${from}&to=${to}&step=${step}`,
      )
    ).points;
}

/** Signs in; null on wrong credentials. */
export async function login(username: string, password: string): Promise<string | null> {
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new ApiError(response.status, 'login_failed');
  return ((await response.json()) as { token: string }).token;
}
