// The page callbacks below run in the browser.
/// <reference lib="dom" />
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChromiumBinary, findChromium } from './chromium.js';
import { request } from './http.js';
import { examplesDir, type RunningExample, runExample, stopAll } from './runExample.js';

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
  let example: RunningExample;
  let chromiumBinary: ChromiumBinary | undefined;
  let browser: Browser;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    chromiumBinary = await findChromium();
    console.log(`dashboard test: Chromium from ${chromiumBinary.source} (${chromiumBinary.executablePath})`);
    example = runExample('dashboard.ts', { PORT: '0', LB_BASE_PORT: '0', LB_ADMIN_PORT: '0' });
    port = Number((await example.waitFor(/4 workers behind http:\/\/localhost:(\d+)\//, 60_000))[1]);
    adminPort = Number((await example.waitFor(/dashboard on http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
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

  it('shows 4 workers, then a killed worker coming back with a new pid and one restart', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
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
    await traffic(port, 80);

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
    const after = await rows(page);
    const restarted = after.find((r) => r.key === 'worker 1')!;
    expect(Number(restarted.pid)).not.toBe(victim);
    expect(after.filter((r) => r.state === 'ready')).toHaveLength(4);
    // More traffic while the page polls a few more times, so the screenshot shows it moving, until every
    // worker's memory is reported (the new one's within a second of being ready).
    const load = traffic(port, 400);
    const polls = Number(await page.getAttribute('body', 'data-polls'));
    await page.waitForFunction(
      (n) =>
        Number(document.body.dataset.polls) >= n + 3 &&
        Array.from(document.querySelectorAll<HTMLTableRowElement>('#rows tr[data-key]')).every((tr) =>
          / MB$/.test(tr.cells[5]?.textContent ?? ''),
        ),
      polls,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#conn')).toBe('live');
    expect(foreign).toEqual([]);
    expect(scriptErrors).toEqual([]);
    if (screenshotPath) await page.screenshot({ path: resolve(examplesDir, '..', screenshotPath) });
    await load;
  }, 60_000);

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
          (tr) => tr.dataset.state === 'up' && /ms$/.test(tr.cells[8]?.textContent ?? ''),
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
