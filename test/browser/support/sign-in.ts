import type { Page } from 'playwright-core';
import { shoot } from './browser.js';

/** Signs in the way a person does: a click into the name field, then the keyboard (Tab, Enter). */
export async function signIn(page: Page, url: string, username: string, password: string, shot?: string) {
  await page.goto(url);
  // Into the name field as a person would; that the form focuses it itself is [CONSOLE-LOGIN-FOCUS]'s
  // to check (once, in 1 of ~6 whole runs, a loaded machine's page had no focus after 30 s).
  await page.click('#username');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  if (shot) await shoot(page, shot);
  await page.keyboard.press('Enter');
}
