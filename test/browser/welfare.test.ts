import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/wait.js';
import { desktop, shoot } from './support/browser.js';
import { type BrowserSession, startBrowserSession } from './support/session.js';
import { signIn } from './support/sign-in.js';

const dayMs = 86_400_000;
/** The next 08:59 local (UTC+8) from now: the hub's clock runs from there and jumps when the test says. */
function nextMorning(): number {
  const local = Date.now() + 8 * 3_600_000;
  const morning = Math.floor(local / dayMs) * dayMs + (8 * 60 + 59) * 60_000 - 8 * 3_600_000;
  return morning > Date.now() ? morning : morning + dayMs;
}

describe('welfare checks in the console, in Chromium', () => {
  let session: BrowserSession;
  const clock = { shift: 0 };

  beforeAll(async () => {
    clock.shift = nextMorning() - Date.now();
    session = await startBrowserSession({}, { now: () => Date.now() + clock.shift });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('[CONSOLE-WELFARE] a specialist opens the unanswered check-in’s alert, sees it missed, adds a medication reminder and pauses the check-in', async () => {
    const { hub, url } = session;
    const schedules = '/api/v1/elders/e-0001/welfare/schedules';
    const created = await hub.app.inject({
      method: 'POST',
      url: schedules,
      headers: hub.as(hub.adminToken),
      payload: { kind: 'check_in', time: '09:00', wait_minutes: 15 },
    });
    expect(created.statusCode, created.body).toBe(201);
    // 09:00: sent to the watch, which is not connected: nobody answers. 09:16: missed, alerted.
    clock.shift += 90_000;
    await hub.welfare.tick();
    clock.shift += 16 * 60_000;
    await hub.welfare.tick();

    const desk = await session.open(desktop);
    await signIn(desk, url, 'spec-jingtian', 'spec-password-1');
    await desk.waitForSelector('#alert-queue tbody tr', { timeout: 5000 });
    expect(await desk.textContent('#alert-queue tbody')).toContain('问安未回应');
    await desk.click('#alert-queue a.elder-link');
    await desk.waitForSelector('.welfare .welfare-occurrences tbody tr');
    const missed = (await desk.textContent('.welfare .welfare-occurrences tbody tr[data-status="missed"]'))!;
    expect(missed).toContain('早间问安');
    // Due at 09:00 in the district's time, whatever the browser's zone (this one runs in UTC).
    expect(missed).toContain(' 09:00:00');
    expect(missed).toContain('未回应 · 已发出告警');
    expect(await desk.textContent('.welfare')).toContain('问安与服药提醒');

    await desk.selectOption('#welfare-new-kind', 'medication');
    await desk.fill('#welfare-new-time', '20:00');
    await desk.fill('#welfare-new-wait', '30');
    await desk.click('.welfare-add button[type="submit"]');
    await desk.waitForSelector('.welfare-schedule[data-kind="medication"]');
    const id = created.json().id as string;
    await desk.uncheck(`#welfare-${id}-enabled`);
    await desk.click(`.welfare-schedule[data-schedule="${id}"] button[type="submit"]`);
    const stored = await until(
      async () =>
        (await hub.app.inject({ url: schedules, headers: hub.as(hub.adminToken) })).json().schedules,
      (s: Array<{ kind: string; enabled: boolean }>) => s.length === 2 && s.some((x) => !x.enabled),
      5000,
    );
    expect(stored).toMatchObject([
      { kind: 'check_in', time: '09:00', enabled: false, updated_by: 'spec-jingtian' },
      { kind: 'medication', time: '20:00', wait_minutes: 30, text: '该吃药了，吃完请按确认', enabled: true },
    ]);
    await shoot(desk, '33-alert-welfare', true);
  }, 90_000);
});
