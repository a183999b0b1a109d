import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileDiscovery } from '../src/fileDiscovery.js';
import { addresses, SnapshotRecorder } from './helpers/snapshots.js';

let dir: string;
let path: string;
const recorders: SnapshotRecorder[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lb-file-discovery-'));
  path = join(dir, 'backends.json');
});

afterEach(() => {
  for (const r of recorders.splice(0)) r.unsubscribe();
  rmSync(dir, { recursive: true, force: true });
});

/** Replaces the file the way consul-template does: write a temporary file, rename it over. */
function writeAtomically(backends: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(backends));
  renameSync(tmp, path);
}

function follow(options: { poll?: number; hold?: number } = {}): SnapshotRecorder {
  const recorder = new SnapshotRecorder(fileDiscovery({ path, ...options }));
  recorders.push(recorder);
  return recorder;
}

describe('fileDiscovery', () => {
  it('publishes the file and follows atomic replacements', async () => {
    writeAtomically([{ host: '127.0.0.2', port: 8080 }]);
    const r = follow();
    expect(addresses(await r.next(() => true))).toEqual(['127.0.0.2:8080']);
    writeAtomically([
      { host: '127.0.0.2', port: 8080 },
      { host: '127.0.0.3', port: 8080, weight: 2 },
    ]);
    const next = await r.next((s) => s.backends.length === 2);
    expect(next.backends[1]).toEqual({ host: '127.0.0.3', port: 8080, weight: 2 });
  });

  it('ignores a half-written file with an error, and applies the finished one', async () => {
    writeAtomically([{ host: '127.0.0.2', port: 8080 }]);
    const r = follow();
    await r.next(() => true);
    writeFileSync(path, '[{"host": "127.0.0.3", "po');
    const stale = await r.next((s) => s.stale);
    expect(stale.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_INVALID' });
    expect(addresses(stale)).toEqual(['127.0.0.2:8080']);
    writeFileSync(path, '[{"host": "127.0.0.3", "port": 8080}]');
    const fresh = await r.next((s) => !s.stale, r.snapshots.length);
    expect(addresses(fresh)).toEqual(['127.0.0.3:8080']);
  });

  it('keeps the last list, stale, while the file is missing', async () => {
    writeAtomically([{ host: '127.0.0.2', port: 8080 }]);
    const r = follow({ poll: 50 });
    await r.next(() => true);
    rmSync(path);
    const stale = await r.next((s) => s.stale);
    expect(stale.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_FAILED' });
    expect(addresses(stale)).toEqual(['127.0.0.2:8080']);
  });

  it('empties on an empty list only after the hold', async () => {
    writeAtomically([{ host: '127.0.0.2', port: 8080 }]);
    const r = follow({ hold: 200 });
    await r.next(() => true);
    writeAtomically([]);
    const held = await r.next((s) => s.stale);
    expect(held.error).toMatchObject({ code: 'LB_ERR_DISCOVERY_EMPTY' });
    const emptied = await r.next((s) => s.backends.length === 0);
    expect(emptied.stale).toBe(false);
  });
});
