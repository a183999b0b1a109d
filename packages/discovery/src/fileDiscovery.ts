import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { type DiscoverySource, LbError } from '@lb/core';
import { assertInteger, assertKnownKeys, assertNumber, assertString, fail } from '@lb/core/internal';
import { parseBackendList } from './parseBackendList.js';
import { normalizeBackends } from './snapshotDiff.js';
import { defaultHoldMs, type FailureRuleOptions, SourceBase } from './sourceBase.js';

/** Options of {@link fileDiscovery}. */
export interface FileDiscoveryOptions extends FailureRuleOptions {
  /** The JSON file: an array of `{ "host", "port", "weight"?, "priority"?, "zone"? }`. */
  path: string;
  /**
   * Milliseconds between re-reads that back up the file watcher (which can miss events on network and
   * container file systems). @default 5000
   */
  poll?: number;
}

const knownOptions = new Set(['path', 'poll', 'hold']);

/** Coalesces the burst of events one write makes into one read. */
const settleMs = 20;

/** A JSON file of backends, watched for changes. */
class FileSource extends SourceBase {
  readonly description: string;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  private reading = false;
  private readAgain = false;

  constructor(
    private readonly path: string,
    private readonly poll: number,
    hold: number,
  ) {
    super(hold);
    this.description = `file ${path}`;
  }

  protected open(): void {
    this.lastText = undefined;
    // The directory, not the file: tools replace a file by renaming a new one over it, which ends a watch
    // on the old file.
    try {
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name === null || name === basename(this.path)) this.soon();
      });
      this.watcher.on('error', () => this.soon());
      this.watcher.unref();
    } catch {
      // A directory that does not exist yet: the poll below reports the missing file and retries.
    }
    this.pollTimer = setInterval(() => void this.read(), this.poll);
    this.pollTimer.unref();
    void this.read();
  }

  protected close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.settleTimer);
  }

  private soon(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.read(), settleMs);
    this.settleTimer.unref();
  }

  private async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        await this.readOnce();
      } while (this.readAgain && this.active);
    } finally {
      this.reading = false;
    }
  }

  private async readOnce(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      const message = `${this.description}: ${(err as Error).message}`;
      this.lastText = undefined;
      this.report({ kind: 'failed', error: new LbError('LB_ERR_DISCOVERY_FAILED', message, { cause: err }) });
      return;
    }
    // An unchanged file says nothing new; re-reporting it would only restart nothing.
    if (text === this.lastText) return;
    this.lastText = text;
    try {
      const backends = normalizeBackends(parseBackendList(text));
      this.report(backends.length > 0 ? { kind: 'backends', backends } : { kind: 'empty' });
    } catch (err) {
      const error = new LbError(
        'LB_ERR_DISCOVERY_INVALID',
        `${this.description}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
      this.report({ kind: 'failed', error });
    }
  }
}

/**
 * Backends from a JSON file, re-read when it changes: what consul-template, Nomad's `template` block or a
 * deploy script writes. A half-written or invalid file is reported (`LB_ERR_DISCOVERY_INVALID`) and never
 * applied; the last good list keeps serving, marked stale. Write the file atomically (a temporary file renamed
 * over it) so readers never see it half-written.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer({ loadBalancerPort: 8080, discovery: fileDiscovery({ path: '/etc/lb/backends.json' }) });
 * ```
 */
export function fileDiscovery(options: FileDiscoveryOptions): DiscoverySource {
  if (typeof options !== 'object' || options === null)
    fail('LB_ERR_INVALID_OPTION', 'fileDiscovery', 'needs an options object', options);
  assertKnownKeys(options, knownOptions, 'fileDiscovery');
  assertString(options.path, 'path');
  const { poll = 5_000, hold = defaultHoldMs } = options;
  assertInteger(poll, 'poll', 1);
  assertNumber(hold, 'hold', 0);
  return new FileSource(resolve(options.path), poll, hold);
}
