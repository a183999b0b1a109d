import { LbError } from '@lb/core';

const nativeBody = /\{\s*\[native code\]\s*\}\s*$/;
const identifier = /^[A-Za-z_$][\w$]*$/;

function parses(expression: string): boolean {
  try {
    // Compiles without running: only a syntax check.
    new Function(`return (${expression});`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The source of `fn` as an expression the worker can evaluate. Method shorthand (`fib(n) { … }`), which is not an
 * expression on its own, is wrapped in an object literal. Native and bound functions have no source to send.
 */
export function functionExpression(fn: unknown, label: string): string {
  if (typeof fn !== 'function') {
    throw new LbError('LB_ERR_HANDLER_NOT_SERIALIZABLE', `${label} must be a function (got ${typeof fn}).`);
  }
  const source = Function.prototype.toString.call(fn);
  if (nativeBody.test(source)) {
    throw new LbError(
      'LB_ERR_HANDLER_NOT_SERIALIZABLE',
      `${label} is a native or bound function, so its source cannot be sent to a worker thread. Pass a plain function, or use a task module.`,
    );
  }
  if (parses(source)) return source;
  const wrapped = `({ ${source} })[${JSON.stringify(fn.name)}]`;
  if (parses(wrapped)) return wrapped;
  throw new LbError(
    'LB_ERR_HANDLER_NOT_SERIALIZABLE',
    `${label} cannot be rebuilt from its source (${source.slice(0, 60)}…). Pass a plain function, or use a task module.`,
  );
}

/** Checks `helpers` and returns `[name, expression]` pairs. */
export function helperExpressions(helpers: unknown): [string, string][] {
  if (helpers === undefined) return [];
  if (typeof helpers !== 'object' || helpers === null) {
    throw new LbError(
      'LB_ERR_HANDLER_NOT_SERIALIZABLE',
      'helpers must be an object of functions, such as { fibonacci }.',
    );
  }
  return Object.entries(helpers).map(([name, fn]): [string, string] => {
    if (!identifier.test(name)) {
      throw new LbError(
        'LB_ERR_HANDLER_NOT_SERIALIZABLE',
        `helpers key '${name}' is not a valid identifier.`,
      );
    }
    return [name, functionExpression(fn, `helpers.${name}`)];
  });
}

const notDefined = /^(\S+) is not defined$/;

/**
 * Turns the worker's `ReferenceError: x is not defined` from an inline handler into an error that names the
 * variable and says how to pass it; returns `undefined` for any other error.
 */
export function scopeError(error: Error): LbError | undefined {
  if (error.name !== 'ReferenceError') return undefined;
  const name = notDefined.exec(error.message)?.[1];
  if (name === undefined) return undefined;
  return new LbError(
    'LB_ERR_HANDLER_SCOPE',
    `The handler uses '${name}', which does not exist in the worker thread. Handlers run in another thread and ` +
      `cannot see the variables around the place they were written: pass functions in \`helpers\` and data in ` +
      `\`context\`, for example processWork(fn, data, { helpers: { ${name} } }) or { context: { ${name} } }, ` +
      'or move the code into a task module.',
    { cause: error },
  );
}
