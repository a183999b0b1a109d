import type { InlineDefinition } from './protocol.js';

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

/** The global the thread parks a handler's context under while its module is compiled. */
export const contextsKey = Symbol.for('@lb/isolate-pool.contexts');

/**
 * Builds an ES module for an inline handler: helpers become top-level functions and context keys top-level
 * constants. Compiled as a module, recursive helpers run as fast as the same code in a task module; through
 * `new Function` they measured about 8% slower.
 */
export function inlineModuleSource(def: InlineDefinition): string {
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
