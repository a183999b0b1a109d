import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HandlerRegistry } from './handlerRegistry.js';

describe('HandlerRegistry', () => {
  it('gives closures with the same source, helpers and context one definition', () => {
    const registry = new HandlerRegistry();
    const helper = (n: number) => n * 2;
    const make = () => (x: number) => helper(x);
    const a = registry.resolve(make(), { helper }, { k: 1 });
    const b = registry.resolve(make(), { helper }, { k: 1 });
    expect(b).toBe(a);
    expect(a).toMatchObject({ kind: 'inline', helpers: [['helper', helper.toString()]], context: { k: 1 } });
  });

  it('makes a new definition when the context or helpers differ', () => {
    const registry = new HandlerRegistry();
    const fn = (x: number) => x;
    const first = registry.resolve(fn, undefined, { k: 1 });
    const second = registry.resolve(fn, undefined, { k: 2 });
    const third = registry.resolve(fn, { other: () => 0 }, { k: 2 });
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
  });

  it('resolves task modules by URL and export name', () => {
    const registry = new HandlerRegistry();
    const url = new URL('file:///tmp/tasks.mjs');
    const a = registry.resolve({ module: url, name: 'fib' }, undefined, undefined);
    const b = registry.resolve({ module: '/tmp/tasks.mjs', name: 'fib' }, undefined, undefined);
    const c = registry.resolve({ module: url }, undefined, undefined);
    expect(b).toBe(a);
    expect(a).toMatchObject({ kind: 'module', href: 'file:///tmp/tasks.mjs', name: 'fib' });
    expect(c).toMatchObject({ name: 'default' });
    expect(() => registry.resolve({ module: url, name: '' }, undefined, undefined)).toThrow(
      expect.objectContaining({ code: 'LB_ERR_TASK_MODULE' }),
    );
  });

  it('warns once when contexts make the cache grow', async () => {
    const registry = new HandlerRegistry(3);
    const warning = once(process, 'warning');
    for (let i = 0; i < 5; i++) registry.resolve((x: number) => x, undefined, { i });
    const [emitted] = (await warning) as [Error & { code?: string }];
    expect(emitted.code).toBe('LB_HANDLER_CACHE_GROWTH');
    expect(emitted.message).toContain('`data`');
  });
});
