import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { need, programAt, programNeed } from '../../support/services.js';

/** Debian's Chromium (apt-get install chromium), or the one TEST_CHROMIUM_PATH names. */
export const chromiumBrowser = programNeed(
  'chromium',
  'TEST_CHROMIUM_PATH',
  'a Chromium or Chrome program',
  () => programAt('/usr/bin/chromium'),
);
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Sound tests: let Web Audio start without a gesture in the headless browser.
  '--autoplay-policy=no-user-gesture-required',
];

/** Chromium headless, with nothing reaching the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: need(chromiumBrowser), headless: true, args: chromiumFlags });
}

export const screenshotDir = join(process.cwd(), 'test-artifacts', 'screenshots');

/** Saves what a person would see, for the person who reads the artifacts. */
export async function shoot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

export const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' };
/** 200 % zoom of a 1280×800 window: the same CSS pixels a 640×400 window has. */
export const zoomed200: BrowserContextOptions = {
  viewport: { width: 640, height: 400 },
  deviceScaleFactor: 2,
  locale: 'zh-CN',
};
export const phone: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
};

/** Whether the page needs sideways scrolling (it must not, at any zoom). */
export const overflowsSideways = (page: Page): Promise<boolean> =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');
