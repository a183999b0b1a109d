import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import { LbError } from '@lb/core';
import { BoundedCache, type CacheRecord } from './boundedCache.js';
import { functionExpression, helperExpressions } from './handlerSource.js';
import type { Definition } from './protocol.js';

/** A handler exported by a module: `.js`, `.mjs`, `.cjs`, or `.ts` when the process runs under a TS loader. */
export interface TaskModule {
  /** The module, best as `new URL('./tasks.js', import.meta.url)`; a path is resolved from the working directory. */
  module: URL | string;
  /** The export to call. @default 'default' */
  name?: string;
}

interface Cached {
  record: CacheRecord<Definition>;
  helpers: unknown;
  context: unknown;
}

function moduleHref(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) {
    throw new LbError(
      'LB_ERR_TASK_MODULE',
      'A task module needs `module`: a URL such as new URL("./tasks.js", import.meta.url), or a path.',
    );
  }
  if (/^(file|data):/.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if ((a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key]) return false;
  }
  return true;
}

/**
 * Turns handlers into definitions with small integer ids. Two handlers with the same source, helpers and context
 * share one definition (keyed by a hash), so a closure written inline in a loop is compiled once per thread.
 * At most `capacity` definitions are kept (least recently used go first); a handler seen again after its
 * definition left gets a new one.
 */
export class HandlerRegistry {
  private readonly byFunction = new WeakMap<object, Cached>();
  private readonly byKey: BoundedCache<string, Definition>;
  /** The latest definition for each inline source, bounded with `byKey` (entries leave when theirs does). */
  private readonly bySource = new Map<string, Cached>();
  private readonly sourceOf = new Map<number, string>();
  private nextId = 0;

  /** @param capacity definitions kept before the least recently used is dropped */
  constructor(capacity: number) {
    this.byKey = new BoundedCache(capacity, (_key, def) => this.forget(def));
  }

  /** The definition for an inline handler or a task module reference. */
  resolve(handler: unknown, helpers: unknown, context: unknown): Definition {
    if (typeof handler === 'object' && handler !== null) return this.module(handler as TaskModule);
    if (typeof handler !== 'function') return this.inline(handler, helpers, context).value;
    const hit = this.byFunction.get(handler);
    if (hit !== undefined && !hit.record.evicted && hit.helpers === helpers && hit.context === context) {
      hit.record.used = true;
      return hit.record.value;
    }
    // A closure written inline is a new object on every call; its source is the same, so look that up next.
    const source = Function.prototype.toString.call(handler);
    const same = this.bySource.get(source);
    if (same !== undefined && shallowEqual(same.helpers, helpers) && shallowEqual(same.context, context)) {
      // Not remembered by identity: a fresh closure per call would fill the WeakMap and slow the GC.
      same.record.used = true;
      return same.record.value;
    }
    const record = this.inline(handler, helpers, context);
    const cached = { record, helpers, context };
    this.bySource.set(source, cached);
    this.sourceOf.set(record.value.id, source);
    this.byFunction.set(handler, cached);
    return record.value;
  }

  private forget(def: Definition): void {
    const source = this.sourceOf.get(def.id);
    if (source === undefined) return;
    this.sourceOf.delete(def.id);
    if (this.bySource.get(source)?.record.value === def) this.bySource.delete(source);
  }

  private inline(handler: unknown, helpers: unknown, context: unknown): CacheRecord<Definition> {
    const source = functionExpression(handler, 'The handler');
    const helperList = helperExpressions(helpers);
    let contextBytes: Buffer | undefined;
    if (context !== undefined) {
      if (typeof context !== 'object' || context === null) {
        throw new LbError('LB_ERR_HANDLER_NOT_SERIALIZABLE', 'context must be an object of plain data.');
      }
      try {
        contextBytes = serialize(context);
      } catch (error) {
        throw new LbError(
          'LB_ERR_HANDLER_NOT_SERIALIZABLE',
          `context must be plain data that can be copied to a thread; pass functions in \`helpers\` instead (${String(error)}).`,
          { cause: error },
        );
      }
    }
    const hash = createHash('sha256').update(source).update('\0').update(JSON.stringify(helperList));
    if (contextBytes !== undefined) hash.update('\0').update(contextBytes);
    const key = hash.digest('base64');
    return (
      this.byKey.get(key) ??
      this.byKey.set(key, { id: this.nextId++, kind: 'inline', source, helpers: helperList, context })
    );
  }

  private module(ref: TaskModule): Definition {
    const hit = this.byFunction.get(ref);
    if (hit !== undefined && !hit.record.evicted) {
      hit.record.used = true;
      return hit.record.value;
    }
    const name = ref.name ?? 'default';
    if (typeof name !== 'string' || name.length === 0) {
      throw new LbError('LB_ERR_TASK_MODULE', 'A task module `name` must be the name of an export.');
    }
    const href = moduleHref(ref.module);
    const key = `module\0${href}\0${name}`;
    const record =
      this.byKey.get(key) ?? this.byKey.set(key, { id: this.nextId++, kind: 'module', href, name });
    this.byFunction.set(ref, { record, helpers: undefined, context: undefined });
    return record.value;
  }
}
