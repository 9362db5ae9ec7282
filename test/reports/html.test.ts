import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailable, launchChromium } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';
import { skipWithNotice } from '../support/prerequisites.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../artifacts');
const HOSTILE_FILE = '<img src=x onerror=alert(4)>.json';

const noChromium = skipWithNotice('HTML report suite (headless Chromium)', chromiumUnavailable());

describe.skipIf(noChromium)('HTML report in headless Chromium', () => {
  // Made in beforeAll, so a skipped suite leaves no directory behind.
  let cwd: string;
  let file: string;
  let browser: Browser;

  beforeAll(async () => {
    cwd = tempDir('distdb-html-');
    file = join(cwd, 'run.html');
    // Valid users with markup for names, and records whose failure messages quote markup.
    writeFileSync(
      join(cwd, HOSTILE_FILE),
      JSON.stringify({
        users: [
          { id: 1, name: '</script><img src=x onerror=alert(1)>', email: 'a@example.com' },
          { id: 2, name: '<script>alert(2)</script>', email: 'b@example.com' },
          { id: 3, name: 'Eve', email: '<img src=x onerror=alert(3)>' },
          { id: '<script>alert(5)</script>', name: 'Mallory', email: 'm@example.com' },
        ],
        products: [{ id: 1, name: 'Widget', price: '9.99' }],
        orders: [{ id: 1, user_id: 1, product_id: 1, quantity: 2 }],
      }),
    );
    const r = runCli(['simulate', '--dataset', HOSTILE_FILE, '--report', 'html', '--out', 'run.html'], {
      cwd,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote report run 1 (html) to run.html');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  async function open(width: number) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, dialogs, requests };
  }

  it('shows the summary, runs no script from the data, makes no request, has a strict CSP', async () => {
    const { page, dialogs, requests } = await open(1280);
    // biome-ignore lint/performance/useDomNodeTextContent: the test reads what is rendered, as a reader sees it
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/Attempted\s+6/);
    expect(text).toMatch(/Succeeded\s+4/);
    expect(text).toMatch(/Failed\s+2/);
    expect(text).toMatch(/Success rate\s+66\.7%/);
    // Markup from the data is shown as text and never becomes elements.
    expect(text).toMatch(/Dataset\s+<img src=x onerror=alert\(4\)>\.json/);
    expect(text).toContain('email "<img src=x onerror=alert(3)>" is not a valid address');
    expect(text).toContain('<script>alert(5)</script>');
    expect(await page.locator('img, script, iframe, object, embed').count()).toBe(0);
    expect(await page.locator('figure svg').count()).toBe(3);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-eval/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-html.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone screen: only tables scroll sideways; printing unclips them', async () => {
    const { page } = await open(390);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'report-html-phone.png') });
    await page.emulateMedia({ media: 'print' });
    expect(await page.evaluate('getComputedStyle(document.querySelector(".scroll")).overflowX')).toBe(
      'visible',
    );
    await page.close();
  });

  it('is one file whose every value is escaped', () => {
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<(script|img|link|iframe)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)=/i);
    expect(html).toContain('&lt;img src=x onerror=alert(4)&gt;.json');
  });
});
