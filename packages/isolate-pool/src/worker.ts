import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errorTransport.js';
import {
  cancelMask,
  type Definition,
  type InlineDefinition,
  notCloneableCode,
  notSerializableCode,
  SharedField,
  Status,
  taskModuleCode,
  type WorkerSetup,
} from './protocol.js';
import { registerTypeScriptLoader } from './typeScriptLoader.js';

/** The thread side of the pool: compiles or imports handlers once, runs batches, posts results in batches. */

type Handler = (data: unknown, context: unknown) => unknown;
type Entry = { fn: Handler; context: unknown } | Promise<{ fn: Handler; context: unknown }> | Error;

const port = parentPort;
if (port === null) throw new Error('@lb/isolate-pool worker must run in a worker thread');
const shared = new Int32Array((workerData as WorkerSetup).shared);
const entries: Entry[] = [];
const modules = new Map<string, Promise<Record<string, unknown>>>();
let results: unknown[] = [];
let flushQueued = false;
const skipped = Symbol('skipped');

const identifier = /^[A-Za-z_$][\w$]*$/;

/** Whether `key` can name a module-level constant (`class` or `await`, say, cannot). */
function bindable(key: string): boolean {
  if (!identifier.test(key) || key === 'await') return false;
  try {
    new Function(`"use strict"; let ${key};`);
    return true;
  } catch {
    return false;
  }
}

const contexts = new Map<number, unknown>();
(globalThis as Record<symbol, unknown>)[Symbol.for('@lb/isolate-pool.contexts')] = contexts;

/**
 * Builds an ES module for an inline handler: helpers become top-level functions and context keys top-level
 * constants. Compiled as a module, recursive helpers run as fast as the same code in a task module; through
 * `new Function` they measured about 8% slower.
 */
function inlineModuleSource(def: InlineDefinition): string {
  const names = new Set(def.helpers.map(([name]) => name));
  const lines = [`const context = globalThis[Symbol.for('@lb/isolate-pool.contexts')].get(${def.id});`];
  // esbuild's keepNames (tsx, vitest) wraps nested named functions in __name(); give handlers a no-op one.
  if (!names.has('__name')) lines.push('const __name = (target) => target;');
  for (const [name, source] of def.helpers) {
    const declaration = new RegExp(`^(async\\s+)?function\\s*\\*?\\s*${name.replace(/\$/g, '\\$')}\\s*\\(`);
    lines.push(declaration.test(source) ? source : `const ${name} = (${source});`);
  }
  const context = def.context;
  if (typeof context === 'object' && context !== null && !Array.isArray(context)) {
    for (const key of Object.keys(context)) {
      if (bindable(key) && !names.has(key) && key !== 'context' && key !== '__name') {
        lines.push(`const ${key} = context[${JSON.stringify(key)}];`);
      }
    }
  }
  lines.push(`export default (${def.source});`, `//# sourceURL=lb-handler-${def.id}.js`);
  return lines.join('\n');
}

async function compileInline(def: InlineDefinition): Promise<{ fn: Handler; context: unknown }> {
  contexts.set(def.id, def.context);
  try {
    const url = `data:text/javascript,${encodeURIComponent(inlineModuleSource(def))}`;
    const mod = (await import(url)) as { default: Handler };
    return { fn: mod.default, context: def.context };
  } catch (error) {
    throw Object.assign(new Error(`The handler could not be compiled: ${String(error)}`), {
      cause: error,
      poolCode: notSerializableCode,
    });
  } finally {
    contexts.delete(def.id);
  }
}

async function importTaskModule(href: string): Promise<Record<string, unknown>> {
  try {
    return (await import(href)) as Record<string, unknown>;
  } catch (error) {
    const unknownExtension = (error as { code?: string }).code === 'ERR_UNKNOWN_FILE_EXTENSION';
    if (!unknownExtension || !(await registerTypeScriptLoader())) throw error;
    // The loader caches the failed import under `href`; a query string makes a fresh one.
    return (await import(`${href}${href.includes('?') ? '&' : '?'}lb-ts`)) as Record<string, unknown>;
  }
}

function loadModule(href: string, name: string): Promise<{ fn: Handler; context: unknown }> {
  let loading = modules.get(href);
  if (loading === undefined) {
    loading = importTaskModule(href);
    modules.set(href, loading);
  }
  return loading.then(
    (mod) => {
      const fallback = mod.default as Record<string, unknown> | undefined;
      const fn =
        mod[name] ?? (typeof fallback === 'object' && fallback !== null ? fallback[name] : undefined);
      if (typeof fn !== 'function') {
        const found = Object.keys(mod).join(', ') || 'none';
        throw Object.assign(
          new Error(`Task module ${href} has no exported function '${name}' (exports: ${found}).`),
          {
            poolCode: taskModuleCode,
          },
        );
      }
      return { fn: fn as Handler, context: undefined };
    },
    (error: unknown) => {
      throw Object.assign(
        new Error(`Task module ${href} could not be loaded: ${String(error)}`, { cause: error }),
        {
          poolCode: taskModuleCode,
        },
      );
    },
  );
}

function define(def: Definition): void {
  const loading = def.kind === 'module' ? loadModule(def.href, def.name) : compileInline(def);
  entries[def.id] = loading;
  loading.then(
    (entry) => {
      entries[def.id] = entry;
    },
    (error: Error) => {
      entries[def.id] = error;
    },
  );
}

function fail(error: unknown): unknown {
  const poolCode = (error as { poolCode?: string } | null)?.poolCode;
  return serializeError(error, poolCode);
}

function flush(): void {
  flushQueued = false;
  if (results.length === 0) return;
  const batch = results;
  results = [];
  try {
    port!.postMessage(batch);
  } catch {
    // One result cannot be cloned: send them one by one so only that task fails.
    for (let i = 0; i < batch.length; i += 4) {
      const one = batch.slice(i, i + 4);
      try {
        port!.postMessage(one);
      } catch (error) {
        const message = `The task's result cannot be copied back from the thread: ${String(error)}`;
        const unsendable = serializeError(new Error(message, { cause: error }), notCloneableCode);
        port!.postMessage([one[0], Status.error, unsendable, one[3]]);
      }
    }
  }
}

function settleLater(seq: number, status: number, value: unknown, started: number): void {
  results.push(seq, status, value, performance.now() - started);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

function cancelled(seq: number): boolean {
  return shared[SharedField.cancelBase + (seq & cancelMask)] === seq;
}

/** Marks `seq` as started and running; `started` only grows, so the pool can tell which tasks never began. */
function begin(seq: number): void {
  if (seq > Atomics.load(shared, SharedField.started)) Atomics.store(shared, SharedField.started, seq);
  Atomics.store(shared, SharedField.running, seq);
}

/** Runs a task whose handler is still loading, once it is ready (unless it was cancelled meanwhile). */
function runLater(seq: number, entry: Promise<{ fn: Handler; context: unknown }>, data: unknown) {
  let started = performance.now();
  entry
    .then((ready) => {
      if (cancelled(seq)) return skipped;
      begin(seq);
      started = performance.now();
      try {
        return ready.fn(data, ready.context);
      } finally {
        Atomics.store(shared, SharedField.running, -1);
      }
    })
    .then(
      (value) =>
        value === skipped
          ? settleLater(seq, Status.skipped, undefined, started)
          : settleLater(seq, Status.ok, value, started),
      (error: unknown) => settleLater(seq, Status.error, fail(error), started),
    );
}

function run(seq: number, id: number, data: unknown): void {
  if (cancelled(seq)) {
    results.push(seq, Status.skipped, undefined, 0);
    return;
  }
  const entry = entries[id];
  if (entry instanceof Promise) {
    runLater(seq, entry, data);
    return;
  }
  begin(seq);
  const started = performance.now();
  if (entry === undefined || entry instanceof Error) {
    const error = entry ?? new Error(`Unknown handler ${id}`);
    results.push(seq, Status.error, fail(error), 0);
  } else {
    try {
      const value = entry.fn(data, entry.context);
      if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') {
        Promise.resolve(value).then(
          (v) => settleLater(seq, Status.ok, v, started),
          (error: unknown) => settleLater(seq, Status.error, fail(error), started),
        );
      } else {
        results.push(seq, Status.ok, value, performance.now() - started);
      }
    } catch (error) {
      results.push(seq, Status.error, fail(error), performance.now() - started);
    }
  }
  Atomics.store(shared, SharedField.running, -1);
}

port.on('message', (message: unknown[]) => {
  const defs = message[0] as Definition[] | null;
  if (defs !== null) for (const def of defs) define(def);
  let lastFlush = performance.now();
  for (let i = 1; i < message.length; i += 3) {
    run(message[i] as number, message[i + 1] as number, message[i + 2]);
    // Long tasks report as they finish, so a batch of slow tasks does not hold back every result.
    if (results.length >= 4 && performance.now() - lastFlush > 1) {
      flush();
      lastFlush = performance.now();
    }
  }
  flush();
});

port.postMessage('ready');
