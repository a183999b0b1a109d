// The page callbacks below run in the browser.
/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './http.js';
import { examplesDir, type RunningExample, runExample, stopAll } from './runExample.js';

/** Debian's `chromium` package; `.ci/run` installs it when missing. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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
  let browser: Browser;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`${executablePath} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    example = runExample('dashboard.ts', { PORT: '0', LB_BASE_PORT: '0', LB_ADMIN_PORT: '0' });
    port = Number((await example.waitFor(/4 workers behind http:\/\/localhost:(\d+)\//, 60_000))[1]);
    adminPort = Number((await example.waitFor(/dashboard on http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
    browser = await chromium.launch({
      executablePath,
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
    await stopAll();
  });

  it('shows 4 workers, then a killed worker coming back with a new pid and one restart', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    // Everything the page loads must come from the admin server itself.
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(`http://127.0.0.1:${adminPort}/`)) foreign.push(req.url());
    });
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
    // More traffic while the page polls a few more times, so the screenshot shows it moving.
    const load = traffic(port, 400);
    const polls = Number(await page.getAttribute('body', 'data-polls'));
    await page.waitForFunction((n) => Number(document.body.dataset.polls) >= n + 3, polls, {
      timeout: 10_000,
    });
    expect(await page.textContent('#conn')).toBe('live');
    expect(foreign).toEqual([]);
    if (screenshotPath) await page.screenshot({ path: resolve(examplesDir, '..', screenshotPath) });
    await load;
  }, 60_000);
});
