import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { HubConfig } from '../../../hub/config.js';
import { startTestHub, type TestHub } from '../../support/hub.js';
import { launchChromium } from './browser.js';
import { buildConsole, consoleUrl } from './console-server.js';
import { browserDistrict } from './district.js';

export interface BrowserSession {
  hub: TestHub;
  browser: Browser;
  url: string;
  /** A new browser context (its own sign-in) and a page in it. */
  open(options: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

/** The built console against a test hub with the browser district, and Chromium to open it. */
export async function startBrowserSession(config: Partial<HubConfig> = {}): Promise<BrowserSession> {
  await buildConsole();
  const hub = await startTestHub({ config });
  expect((await hub.putDistrict(browserDistrict())).statusCode).toBe(200);
  const site = await consoleUrl(hub.addresses.http);
  const browser = await launchChromium();
  const contexts: Array<{ close(): Promise<void> }> = [];
  return {
    hub,
    browser,
    url: site.url,
    async open(options) {
      const context = await browser.newContext({ acceptDownloads: true, ...options });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
      await site.close();
      await hub.stop();
    },
  };
}
