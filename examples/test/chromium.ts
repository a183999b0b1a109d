import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packagedChromium from '@sparticuz/chromium';

/** A Chromium binary to drive headless, and what to do once the browser is closed. */
export interface ChromiumBinary {
  executablePath: string;
  /** Where the binary came from, for the test's log. */
  source: string;
  cleanUp(): void;
}

function onPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The browser for the dashboard test: `CHROMIUM_PATH`, else a system chromium, else the one the
 * `@sparticuz/chromium` dev dependency carries, so a machine with only Node and npm still runs the test.
 */
export async function findChromium(): Promise<ChromiumBinary> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH', cleanUp() {} };
  }
  const system = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : onPath();
  if (system) return { executablePath: system, source: 'the system chromium', cleanUp() {} };
  return unpackPackagedChromium();
}

/**
 * `@sparticuz/chromium` unpacks its brotli-compressed binary into `os.tmpdir()` and reuses whatever it finds
 * there: a truncated binary from an interrupted run, another version, or a file another user of a shared /tmp
 * put there. Pointing it at a fresh private directory for this run, removed afterwards, avoids all three.
 */
async function unpackPackagedChromium(): Promise<ChromiumBinary> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-chromium-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return {
      executablePath: await packagedChromium.executablePath(),
      source: '@sparticuz/chromium',
      cleanUp: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}
