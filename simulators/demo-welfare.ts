import type { FastifyInstance } from 'fastify';

/** Two of the demo's elders get a check-in soon after the start; 陈's wearer (e-0003) does not answer it. */
export const demoCheckIns = {
  answered: 'e-0002',
  ignored: 'e-0003',
  ignoringWatch: 'w-0003',
  waitMinutes: 2,
};

/**
 * Schedules (or moves, on a demo store from an earlier run) the two elders' daily check-in to two
 * minutes from now, local time, through the hub's API as a specialist would; returns the time.
 */
export async function scheduleDemoCheckIns(
  app: FastifyInstance,
  token: string,
  utcOffsetMinutes: number,
  now = Date.now(),
): Promise<string> {
  const local = new Date(now + utcOffsetMinutes * 60_000 + 2 * 60_000);
  const time = local.toISOString().slice(11, 16);
  const headers = { authorization: `Bearer ${token}` };
  for (const elder of [demoCheckIns.answered, demoCheckIns.ignored]) {
    const url = `/api/v1/elders/${elder}/welfare/schedules`;
    const listed = (await app.inject({ url, headers })).json() as { schedules?: Array<{ id: string }> };
    const existing = listed.schedules?.[0];
    const body = { time, wait_minutes: demoCheckIns.waitMinutes };
    const res = existing
      ? await app.inject({ method: 'PATCH', url: `${url}/${existing.id}`, headers, payload: body })
      : await app.inject({ method: 'POST', url, headers, payload: { kind: 'check_in', ...body } });
    if (res.statusCode >= 300) throw new Error(`demo check-in for ${elder}: ${res.statusCode} ${res.body}`);
  }
  return time;
}
