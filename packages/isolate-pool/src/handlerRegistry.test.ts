import { describe, expect, it } from 'vitest';
import { HandlerRegistry } from './handlerRegistry.js';

describe('HandlerRegistry', () => {
  it('gives closures with the same source, helpers and context one definition', () => {
    const registry = new HandlerRegistry(100);
    const helper = (n: number) => n * 2;
    const make = () => (x: number) => helper(x);
    const a = registry.resolve(make(), { helper }, { k: 1 });
    const b = registry.resolve(make(), { helper }, { k: 1 });
    expect(b).toBe(a);
    expect(a).toMatchObject({ kind: 'inline', helpers: [['helper', helper.toString()]], context: { k: 1 } });
  });

  it('makes a new definition when the context or helpers differ', () => {
    const registry = new HandlerRegistry(100);
    const fn = (x: number) => x;
    const first = registry.resolve(fn, undefined, { k: 1 });
    const second = registry.resolve(fn, undefined, { k: 2 });
    const third = registry.resolve(fn, { other: () => 0 }, { k: 2 });
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
  });

  it('resolves task modules by URL and export name', () => {
    const registry = new HandlerRegistry(100);
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

  it('keeps at most capacity definitions, and gives a handler seen again after eviction a new one', () => {
    const registry = new HandlerRegistry(3);
    const fn = (x: number) => x;
    const first = registry.resolve(fn, undefined, { i: 0 });
    for (let i = 1; i < 10; i++) registry.resolve(fn, undefined, { i });
    const again = registry.resolve(fn, undefined, { i: 0 });
    expect(again.id).not.toBe(first.id);
    expect(again).toMatchObject({ kind: 'inline', context: { i: 0 } });
    // One in use stays while others come and go.
    const hot = registry.resolve((x: number) => x + 1, undefined, undefined);
    for (let i = 10; i < 20; i++) {
      registry.resolve((x: number) => x + 1, undefined, undefined);
      registry.resolve(fn, undefined, { i });
    }
    expect(registry.resolve((x: number) => x + 1, undefined, undefined)).toBe(hot);
  });
});
