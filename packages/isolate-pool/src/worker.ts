import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errorTransport.js';
import { contextsKey, inlineModuleSource } from './inlineModule.js';
import {
  abortMessage,
  type Definition,
  type InlineDefinition,
  notCloneableCode,
  notSerializableCode,
  ringMask,
  SharedField,
  Status,
  taskModuleCode,
  type WorkerSetup,
} from './protocol.js';
import { contextClass, type TaskContext } from './taskContext.js';
import { transferables } from './transferables.js';
import { registerTypeScriptLoader } from './typeScriptLoader.js';

/** The thread side of the pool: compiles or imports handlers once, runs batches, posts results in batches. */

type Handler = (data: unknown, context: TaskContext) => unknown;
interface Ready {
  fn: Handler;
  Context: new (seq: number) => TaskContext;
}
type Entry = Ready | Promise<Ready> | Error;

const port = parentPort;
if (port === null) throw new Error('@lb/isolate-pool worker must run in a worker thread');
const shared = new Int32Array((workerData as WorkerSetup).shared);
const entries: Entry[] = [];
const modules = new Map<string, Promise<Record<string, unknown>>>();
let results: unknown[] = [];
/** Buffers to move with the results now waiting, by task, for tasks that asked for it. */
let moving = new Map<number, Set<ArrayBuffer>>();
let flushQueued = false;
/** Signals handed out to running tasks (made on first use) and aborts that arrived before one was made. */
const controllers = new Map<number, AbortController>();
const pendingAborts = new Map<number, string>();

const contexts = new Map<number, unknown>();
(globalThis as Record<symbol, unknown>)[contextsKey] = contexts;

function finished(seq: number): boolean {
  return Atomics.load(shared, SharedField.doneBase + (seq & ringMask)) === seq;
}

function abortReason(name: string): DOMException {
  return new DOMException(name === 'TimeoutError' ? 'The task timed out.' : 'The task was aborted.', name);
}

function signalOf(seq: number): AbortSignal {
  let controller = controllers.get(seq);
  if (controller === undefined) {
    controller = new AbortController();
    // A context kept past its task gets a signal that is never aborted and is not remembered.
    if (finished(seq)) return controller.signal;
    controllers.set(seq, controller);
    const pending = pendingAborts.get(seq);
    if (pending !== undefined) controller.abort(abortReason(pending));
  }
  return controller.signal;
}

function abortTask(seq: number, name: string): void {
  if (finished(seq)) return;
  const controller = controllers.get(seq);
  if (controller !== undefined) controller.abort(abortReason(name));
  else pendingAborts.set(seq, name);
}

function ready(fn: Handler, context: unknown): Ready {
  return { fn, Context: contextClass(context, signalOf) };
}

async function compileInline(def: InlineDefinition): Promise<Ready> {
  contexts.set(def.id, def.context);
  try {
    const url = `data:text/javascript,${encodeURIComponent(inlineModuleSource(def))}`;
    const mod = (await import(url)) as { default: Handler };
    return ready(mod.default, def.context);
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

function loadModule(href: string, name: string): Promise<Ready> {
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
      return ready(fn as Handler, undefined);
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

function transferList(sets: Map<number, Set<ArrayBuffer>>): ArrayBuffer[] {
  const all = new Set<ArrayBuffer>();
  for (const set of sets.values()) for (const buffer of set) all.add(buffer);
  return [...all];
}

function flush(): void {
  flushQueued = false;
  if (results.length === 0) return;
  const batch = results;
  const toMove = moving;
  results = [];
  if (toMove.size > 0) moving = new Map();
  try {
    port!.postMessage(batch, toMove.size > 0 ? transferList(toMove) : undefined);
  } catch {
    // One result cannot be cloned: send them one by one so only that task fails.
    for (let i = 0; i < batch.length; i += 4) {
      const one = batch.slice(i, i + 4);
      try {
        port!.postMessage(one, [...(toMove.get(one[0] as number) ?? [])]);
      } catch (error) {
        const message = `The task's result cannot be copied back from the thread: ${String(error)}`;
        const unsendable = serializeError(new Error(message, { cause: error }), notCloneableCode);
        port!.postMessage([one[0], Status.error, unsendable, one[3]]);
      }
    }
  }
}

/** Records a task's outcome. `done` is marked first, so the pool knows it finished even if the thread dies now. */
function settle(seq: number, status: number, value: unknown, runMs: number, transfer: boolean): void {
  Atomics.store(shared, SharedField.doneBase + (seq & ringMask), seq);
  if (controllers.size > 0) controllers.delete(seq);
  if (pendingAborts.size > 0) pendingAborts.delete(seq);
  results.push(seq, status, value, runMs);
  if (transfer && status === Status.ok) {
    const buffers = transferables(value);
    if (buffers.size > 0) moving.set(seq, buffers);
  }
}

function settleLater(seq: number, status: number, value: unknown, runMs: number, transfer: boolean): void {
  settle(seq, status, value, runMs, transfer);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

/**
 * Claims `seq` before running it; false when the pool cancelled or took it back first. While the pool may
 * terminate this thread, results still held are posted first, so they survive whatever this task does.
 */
function begin(seq: number): boolean {
  if (Atomics.exchange(shared, SharedField.claimBase + (seq & ringMask), -seq) === seq) return false;
  if (results.length > 0 && Atomics.load(shared, SharedField.eager) === 1) flush();
  Atomics.store(shared, SharedField.running, seq);
  return true;
}

function call(seq: number, entry: Ready, data: unknown, transfer: boolean): void {
  const started = performance.now();
  try {
    const value = entry.fn(data, new entry.Context(seq));
    if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(value).then(
        (v) => settleLater(seq, Status.ok, v, performance.now() - started, transfer),
        (error: unknown) => settleLater(seq, Status.error, fail(error), performance.now() - started, false),
      );
    } else {
      settle(seq, Status.ok, value, performance.now() - started, transfer);
    }
  } catch (error) {
    settle(seq, Status.error, fail(error), performance.now() - started, false);
  }
  Atomics.store(shared, SharedField.running, -1);
}

/** Runs a task whose handler is still loading, once it is ready (unless it was cancelled meanwhile). */
function runLater(seq: number, loading: Promise<Ready>, data: unknown, transfer: boolean): void {
  loading.then(
    (entry) => {
      if (!begin(seq)) return;
      call(seq, entry, data, transfer);
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flush);
      }
    },
    (error: unknown) => {
      if (begin(seq)) {
        Atomics.store(shared, SharedField.running, -1);
        settleLater(seq, Status.error, fail(error), 0, false);
      }
    },
  );
}

function run(seq: number, id: number, data: unknown, transfer: boolean): void {
  const entry = entries[id];
  if (entry instanceof Promise) {
    runLater(seq, entry, data, transfer);
    return;
  }
  if (!begin(seq)) return;
  if (entry === undefined || entry instanceof Error) {
    Atomics.store(shared, SharedField.running, -1);
    settle(seq, Status.error, fail(entry ?? new Error(`Unknown handler ${id}`)), 0, false);
    return;
  }
  call(seq, entry, data, transfer);
}

port.on('message', (message: unknown[]) => {
  if (message[0] === abortMessage) {
    abortTask(message[1] as number, message[2] as string);
    return;
  }
  const defs = message[0] as Definition[] | null;
  if (defs !== null) for (const def of defs) define(def);
  let lastFlush = performance.now();
  for (let i = 1; i < message.length; i += 4) {
    run(message[i] as number, message[i + 1] as number, message[i + 2], message[i + 3] === true);
    // Long tasks report as they finish, so a batch of slow tasks does not hold back every result.
    if (results.length >= 4 && performance.now() - lastFlush > 1) {
      flush();
      lastFlush = performance.now();
    }
  }
  flush();
});

// A handler that calls process.exit() ends the thread mid-batch: the results of the tasks before it still go out.
process.on('exit', flush);

port.postMessage('ready');
