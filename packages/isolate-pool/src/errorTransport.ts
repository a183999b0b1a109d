/**
 * Errors cross the thread boundary as plain objects because structured clone drops `code`, `cause` and custom
 * classes. This module has no dependencies so the worker bundle stays small.
 */

/** An error flattened for `postMessage`. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  cause: SerializedError | { value: unknown } | undefined;
  /** Other own enumerable properties that survived structured clone. */
  props: Record<string, unknown> | undefined;
  /** Set by the worker when the failure is the pool's own, not the task's (a bad task module, for example). */
  poolCode: string | undefined;
}

const skipped = new Set(['name', 'message', 'stack', 'code', 'cause']);

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Flattens any thrown value; `depth` guards against cyclic causes. */
export function serializeError(error: unknown, poolCode?: string, depth = 0): SerializedError {
  if (!(error instanceof Error) && !(typeof error === 'object' && error !== null && 'message' in error)) {
    return {
      name: 'Error',
      message: typeof error === 'string' ? error : `Non-error value thrown: ${String(error)}`,
      stack: undefined,
      code: undefined,
      cause: undefined,
      props: cloneable(error) ? { thrown: error } : undefined,
      poolCode,
    };
  }
  const e = error as Error & { code?: unknown };
  let props: Record<string, unknown> | undefined;
  for (const key of Object.keys(e)) {
    if (skipped.has(key)) continue;
    const value = (e as unknown as Record<string, unknown>)[key];
    if (!cloneable(value)) continue;
    props ??= {};
    props[key] = value;
  }
  let cause: SerializedError['cause'];
  if (e.cause !== undefined) {
    cause =
      e.cause instanceof Error && depth < 8
        ? serializeError(e.cause, undefined, depth + 1)
        : { value: cloneable(e.cause) ? e.cause : String(e.cause) };
  }
  return {
    name: typeof e.name === 'string' ? e.name : e.constructor?.name || 'Error',
    message: String(e.message),
    stack: typeof e.stack === 'string' ? e.stack : undefined,
    code: cloneable(e.code) ? e.code : String(e.code),
    cause,
    props,
    poolCode,
  };
}

const builtIns: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error: built-in classes come back as themselves (`instanceof TypeError` holds); other classes come
 * back as `Error` whose `name` is the original class name.
 */
export function deserializeError(data: SerializedError): Error {
  const Ctor = builtIns[data.name] ?? Error;
  const error = new Ctor(data.message);
  if (!(data.name in builtIns)) {
    Object.defineProperty(error, 'name', { value: data.name, writable: true, configurable: true });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.code !== undefined) (error as Error & { code?: unknown }).code = data.code;
  if (data.cause !== undefined) {
    error.cause = 'value' in data.cause ? data.cause.value : deserializeError(data.cause);
  }
  if (data.props) Object.assign(error, data.props);
  return error;
}
