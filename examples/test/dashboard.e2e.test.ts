// The page callbacks below run in the browser.
/// <reference lib="dom" />
import { resolve } from 'node:path';
import { AdminServer } from '@lb/all';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumBinary, findChromium } from './chromium.js';
import { request } from './http.js';
import { examplesDir, runExample, stopAll } from './runExample.js';

/** When set, the test saves the dashboard, after the restart, to this path (relative to the repository root). */
const screenshotPath = process.env.LB_DASHBOARD_SCREENSHOT;

interface Row {
  key?: string;
  state?: string;
  pid?: string;
  restarts?: string;
}

const rows = (page: Page): Promise<Row[]> =>
  page.$$eval('#rows tr[data-key]', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));

/** Bounded traffic through the balancer, four at a time, so the charts and counters move. */
async function traffic(port: number, requests: number): Promise<void> {
  for (let i = 0; i < requests; i += 4) {
    await Promise.all([0, 1, 2, 3].map(() => request(port, '/').catch(() => undefined)));
  }
}

describe('the admin dashboard in headless Chromium, against examples/dashboard.ts', () => {
  let chromiumBinary: ChromiumBinary | undefined;
  let browser: Browser;

  beforeAll(async () => {
    chromiumBinary = await findChromium();
    console.log(`dashboard test: Chromium from ${chromiumBinary.source} (${chromiumBinary.executablePath})`);
    browser = await chromium.launch({
      executablePath: chromiumBinary.executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    chromiumBinary?.cleanUp();
    await stopAll();
  });

  /**
   * One run of examples/dashboard.ts in `mode`: 4 workers ready; 5xx answers show in the table's 5xx column; a
   * SIGKILLed worker comes back with a new pid and one restart, and its exit and restart are in the event log;
   * the charts have time axes labelled in the server's time.
   */
  async function drive(mode: 'proxy' | 'shared-port', screenshot?: string): Promise<void> {
    const example = runExample('dashboard.ts', {
      PORT: '0',
      LB_BASE_PORT: '0',
      LB_ADMIN_PORT: '0',
      LB_MODE: mode,
    });
    const port = Number((await example.waitFor(/4 workers behind http:\/\/localhost:(\d+)\//, 60_000))[1]);
    const adminPort = Number((await example.waitFor(/dashboard on http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
    const page = await browser.newPage({ viewport: { width: 1400, height: 640 } });
    // Everything the page loads must come from the admin server itself.
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(`http://127.0.0.1:${adminPort}/`)) foreign.push(req.url());
    });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${adminPort}/?interval=250`);

    await page.waitForFunction(
      () => document.querySelectorAll('#rows tr[data-state="ready"]').length === 4,
      undefined,
      { timeout: 20_000 },
    );
    const before = await rows(page);
    expect(before.map((r) => r.key)).toEqual(['worker 0', 'worker 1', 'worker 2', 'worker 3']);
    expect(before.every((r) => r.restarts === '0' && Number(r.pid) > 0)).toBe(true);
    await traffic(port, 40);
    for (let i = 0; i < 4; i++) expect((await request(port, '/fail')).status).toBe(500);
    // The server samples once a second; the 5xx column counts what its samples saw.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll<HTMLElement>('#rows tr[data-key]')).reduce(
          (sum, tr) => sum + Number(tr.dataset['5xx'] || 0),
          0,
        ) >= 4,
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.$$eval('#rows td.c-5xx.bad', (tds) => tds.length)).toBeGreaterThanOrEqual(1);

    const victim = Number(before[1]!.pid);
    process.kill(victim, 'SIGKILL');
    await page.waitForFunction(
      (old) => {
        const tr = document.querySelector<HTMLElement>('#rows tr[data-key="worker 1"]');
        return tr?.dataset.state === 'ready' && tr.dataset.restarts === '1' && tr.dataset.pid !== String(old);
      },
      victim,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      (old) => {
        const texts = Array.from(document.querySelectorAll('#events li')).map((li) => li.textContent ?? '');
        return (
          texts.some((t) => t.includes(`worker 1 (pid ${old}) was killed by SIGKILL`)) &&
          texts.some((t) => /worker 1 restarting/.test(t))
        );
      },
      victim,
      { timeout: 20_000 },
    );
    const exit = await page.$eval('#events li[data-kind="exit"]', (li) => ({
      level: li.className,
      time: li.querySelector('time')?.textContent ?? '',
    }));
    expect(exit.level).toContain('bad');
    expect(exit.time).toMatch(/^\d\d:\d\d:\d\d$/);
    // Newest first: the restart line comes before (above) the exit that caused it.
    const kinds = await page.$$eval('#events li', (lis) => lis.map((li) => (li as HTMLElement).dataset.kind));
    expect(kinds.indexOf('restart')).toBeLessThan(kinds.indexOf('exit'));

    const after = await rows(page);
    expect(after.filter((r) => r.state === 'ready')).toHaveLength(4);
    // More traffic while the page polls a few more times, until every worker's CPU and memory are reported.
    const load = traffic(port, 200);
    const polls = Number(await page.getAttribute('body', 'data-polls'));
    await page.waitForFunction(
      (n) =>
        Number(document.body.dataset.polls) >= n + 3 &&
        Array.from(document.querySelectorAll<HTMLTableRowElement>('#rows tr[data-key]')).every(
          (tr) =>
            / MB$/.test(tr.querySelector('.c-mem')?.textContent ?? '') &&
            /%$/.test(tr.querySelector('.c-cpu')?.textContent ?? ''),
        ),
      polls,
      { timeout: 20_000 },
    );
    // Time axes in the server's time, HH:MM:SS.
    const ticks = await page.$$eval('#chart-rate text.axis', (texts) => texts.map((t) => t.textContent));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const tick of ticks) expect(tick).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(await page.$$eval('#chart-cpu polyline', (lines) => lines.length)).toBe(4);
    expect(await page.textContent('#conn')).toBe('live');
    expect(foreign).toEqual([]);
    expect(scriptErrors).toEqual([]);
    if (screenshot) await page.screenshot({ path: resolve(examplesDir, '..', screenshot), fullPage: true });
    await load;
    await page.close();
    expect(await example.stop()).toBe(0);
  }

  it('proxy mode: 5xx counts, a killed worker restarting, the event log and time axes', async () => {
    await drive('proxy', screenshotPath);
  }, 90_000);

  it('shared-port mode: the same, from what the workers and the primary report', async () => {
    await drive('shared-port');
  }, 90_000);

  it('shows hostile names and messages as text, never as markup', async () => {
    const hostile = '<img src=x onerror="document.body.dataset.pwned=1">';
    const admin = new AdminServer({
      metrics: () => '',
      status: () => ({}),
      healthy: () => true,
      dashboardRows: () => [
        {
          key: `backend ${hostile}`,
          detail: hostile,
          state: hostile,
          errors: { connect: 1, timeout: 0, reset: 0, protocol: 0, other: 0 },
          lastHealthCheck: { ok: false, at: Date.now(), reason: `"${hostile}` },
        },
      ],
    });
    admin.dashboard.events.add(hostile, hostile, hostile, 'bad');
    await admin.start();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${admin.address!.port}/?interval=250`);
      await page.waitForFunction(() => Number(document.body.dataset.polls) >= 2, undefined, {
        timeout: 10_000,
      });
      expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
      expect(await page.getAttribute('body', 'data-pwned')).toBeNull();
      expect(await page.textContent('#rows th')).toContain(hostile);
      expect(await page.textContent('#events li')).toContain(hostile);
      await page.close();
    } finally {
      await admin.stop();
    }
  });

  it('shows the backends of a plain load balancer (examples/simple_load_balancer.ts)', async () => {
    const balancer = runExample('simple_load_balancer.ts', {
      PORT: '0',
      LB_BASE_PORT: '0',
      LB_ADMIN_PORT: '0',
    });
    const port = Number((await balancer.waitFor(/load balancer on http:\/\/localhost:(\d+)/))[1]);
    const admin = Number((await balancer.waitFor(/dashboard on http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${admin}/?interval=250`);
    await traffic(port, 12);
    // Every backend up, and each has served requests (its p50 cell holds a number).
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll<HTMLTableRowElement>('#rows tr[data-key]')).filter(
          (tr) => tr.dataset.state === 'up' && /ms$/.test(tr.querySelector('.c-p50')?.textContent ?? ''),
        ).length === 3,
      undefined,
      { timeout: 20_000 },
    );
    expect((await rows(page)).map((r) => r.key)).toEqual(['backend 0', 'backend 1', 'backend 2']);
    expect(await page.textContent('#c-ready-label')).toBe('backends up');
    await page.close();
    expect(await balancer.stop()).toBe(0);
  }, 60_000);
});
