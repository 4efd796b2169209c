import type { Page } from 'playwright-core';
import { shoot } from './browser.js';

/** Signs in the way a person does: by keyboard alone. */
export async function signIn(page: Page, url: string, username: string, password: string, shot?: string) {
  await page.goto(url);
  await page.waitForSelector('#username:focus');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  if (shot) await shoot(page, shot);
  await page.keyboard.press('Enter');
}
