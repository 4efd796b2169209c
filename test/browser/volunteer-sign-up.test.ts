import { describe, expect, it } from 'vitest';
import { desktop, phone, shoot } from './support/browser.js';
import { sessionForFile } from './support/session.js';
import { signIn } from './support/sign-in.js';

/** The page's words outside the language switch (which names the other language, in it). */
const wordsOf = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const copy = document.getElementById('app')!.cloneNode(true) as HTMLElement;
    for (const button of copy.querySelectorAll('.lang')) button.remove();
    return copy.textContent ?? '';
  });

describe('a volunteer signs up on the app and is approved in the console, in Chromium (zh-CN)', () => {
  const session = sessionForFile();

  it('[BROWSER-VOLUNTEER-SIGN-UP] sign-up from the sign-in screen → a specialist of the community approves → the volunteer signs in', async () => {
    const { hub, url } = session();
    const app = await session().open(phone);
    await app.goto(url);
    await app.click('#open-sign-up');
    await app.waitForSelector('#community option[value="jingtian"]', { state: 'attached' });
    expect(await app.textContent('h1')).toBe('志愿者注册');
    for (const label of ['夕阳红', '中坚', '种子力量', '急救', '急救证', '有效期至'])
      expect(await wordsOf(app), label).toContain(label);
    expect(await wordsOf(app), 'English left in the Chinese sign-up').not.toMatch(/[A-Za-z]{3,}/);

    // Sent half filled: the hub refuses, the screen names what to fix in Chinese, nothing is stored.
    await app.fill('#name', '陈志明');
    await app.click('button[type="submit"]');
    await app.waitForSelector('.form-status[data-tone="error"]');
    const refusal = (await app.textContent('.form-status'))!;
    expect(refusal).toMatch(/^请检查：/);
    expect(refusal).toContain('手机号');
    expect(await hub.store.db.selectFrom('volunteer_applications').select('id').execute()).toEqual([]);

    await app.fill('#phone', '138 0013 8000');
    await app.selectOption('#community', 'jingtian');
    await app.check('#age-senior');
    await app.check('#skill-first_aid');
    await app.check('#skill-visiting');
    await app.fill('#certificate-number', 'HJ-2026-0117');
    await app.fill('#certificate-expires', '2099-12-31');
    await app.fill('#new-username', 'chen-zm');
    await app.fill('#new-password', 'chen-password-1');
    await shoot(app, 'volunteer-sign-up-filled', true);
    await app.click('button[type="submit"]');
    await app.waitForSelector('#sign-up-sent', { timeout: 5000 });
    expect(await app.textContent('#sign-up-sent')).toContain('等待社区服务专员审核');

    // The specialist of 景田 approves it on the vetting screen.
    const desk = await session().open(desktop);
    await signIn(desk, url, 'spec-jingtian', 'spec-password-1');
    await desk.waitForSelector('nav a[href="#/volunteers"]');
    expect(await desk.textContent('nav a[href="#/volunteers"]')).toBe('志愿者审核');
    await desk.click('nav a[href="#/volunteers"]');
    await desk.waitForSelector('#applications tbody tr', { timeout: 5000 });
    const row = (await desk.textContent('#applications tbody tr'))!;
    for (const words of ['陈志明', '13800138000', '夕阳红', '急救', 'HJ-2026-0117'])
      expect(row, words).toContain(words);
    await desk.click('#applications button.approve');
    await desk.waitForFunction(
      () => document.querySelector('#vetting-status')?.textContent?.includes('已通过'),
      null,
      {
        timeout: 5000,
      },
    );
    await desk.waitForSelector('#applications.empty');
    expect(await desk.textContent('#volunteers')).toContain('陈志明');
    await shoot(desk, 'volunteer-vetting-approved', true);

    // Back on the phone: the new login works and opens the responder app.
    await app.click('text=返回登录');
    await signIn(app, url, 'chen-zm', 'chen-password-1');
    await app.waitForSelector('#duty', { timeout: 5000 });
    expect(await app.textContent('header .who')).toBe('陈志明');
  });
});
