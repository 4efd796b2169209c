import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { HubConfig } from '../../../hub/config.js';
import { startTestHub, type TestHub } from '../../support/hub.js';
import { launchChromium } from './browser.js';
import { consoleUrl } from './console-server.js';
import { browserDistrict } from './district.js';

export interface BrowserSession {
  hub: TestHub;
  browser: Browser;
  url: string;
  /** A new browser context (its own sign-in) and a page in it. */
  open(options: BrowserContextOptions): Promise<Page>;
  /** What the Content-Security-Policy refused on any page so far (closing fails on any). */
  cspViolations: string[];
  close(): Promise<void>;
}

/** The built console (test/support/console-build.ts) against a test hub with the browser district, and Chromium to open it. */
export async function startBrowserSession(
  config: Partial<HubConfig> = {},
  options: { now?: () => number } = {},
): Promise<BrowserSession> {
  const hub = await startTestHub({ config, now: options.now });
  expect((await hub.putDistrict(browserDistrict())).statusCode).toBe(200);
  const site = await consoleUrl(hub.addresses.http);
  const browser = await launchChromium();
  const contexts: Array<{ close(): Promise<void> }> = [];
  const cspViolations: string[] = [];
  return {
    hub,
    browser,
    url: site.url,
    cspViolations,
    async open(options) {
      const context = await browser.newContext({ acceptDownloads: true, ...options });
      contexts.push(context);
      const page = await context.newPage();
      // Every flow the browser tests walk also checks the hub's policy: nothing the console does is refused.
      page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
      });
      return page;
    },
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
      await site.close();
      await hub.stop();
      expect(cspViolations, 'Content-Security-Policy violations in the console').toEqual([]);
    },
  };
}

/** A session for the tests of one file: started before them, closed (and its CSP checked) after. */
export function sessionForFile(config: Partial<HubConfig> = {}): () => BrowserSession {
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    session = await startBrowserSession(config);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);
  return () => session!;
}
