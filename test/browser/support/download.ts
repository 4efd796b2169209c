import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** What a click on a download button saved: the file's name and bytes. */
export async function downloaded(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
}
