import { dirname, resolve } from 'node:path';
import { type ClusterConfigOptions, clusterOnlyOptionKeys, LbError } from '@lb/core';
import { assertKnownKeys, loadBalancerOptionKeys } from '@lb/core/internal';
import { assertControlName } from './controlAddress.js';

/**
 * The contents of `lb.config.mjs` (its default export) or `lb.config.json`: one app, its `lb` settings, and any
 * `ClusterConfig` option by its name.
 *
 * @example
 * ```js
 * // lb.config.mjs
 * export default { script: 'server.js', name: 'api', processes: 4, loadBalancerPort: 3000, env: { NODE_ENV: 'production' } };
 * ```
 */
export interface LbConfigFile extends ClusterConfigOptions {
  /** The app every worker runs, relative to the config file. */
  script: string;
  /** Arguments for the app. */
  args?: string[];
  /** The name `lb status|logs|reload|stop|scale` reach it by. @default the script's file name */
  name?: string;
  /** Environment variables for the workers, on top of `lb`'s own. */
  env?: Record<string, string | number | boolean>;
  /** Reload the workers when a file under the config file's directory changes. @default false */
  watch?: boolean;
  /** Paths (relative to the config file) or directory names whose changes do not reload, beyond `node_modules` and `.git`. */
  watchIgnore?: string[];
}

/** A config file, checked, with its paths made absolute. */
export interface ParsedConfigFile {
  readonly file: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly name: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly watch: boolean;
  readonly watchIgnore: readonly string[];
  /** The `ClusterConfig` options; validated with the command line's by `ClusterConfig` itself. */
  readonly options: ClusterConfigOptions;
}

const fileKeys = ['script', 'args', 'name', 'env', 'watch', 'watchIgnore'];
const knownKeys: ReadonlySet<string> = new Set([
  ...fileKeys,
  ...clusterOnlyOptionKeys,
  'loadBalancerPort',
  'strategy',
  ...loadBalancerOptionKeys,
]);

function invalid(file: string, message: string): never {
  throw new LbError('LB_ERR_INVALID_CONFIG_FILE', `${file}: ${message}`);
}

/**
 * Checks the value a config file holds. Pure (paths are resolved, not read). A misspelled key gets the usual
 * `ConfigError` with "did you mean"; values of `ClusterConfig` options are left to `ClusterConfig`.
 */
export function parseConfigFile(value: unknown, file: string): ParsedConfigFile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(file, 'must hold one object (export default { script: "app.js", … } in an .mjs file)');
  }
  assertKnownKeys(value, knownKeys, file);
  const {
    script,
    args = [],
    name,
    env = {},
    watch = false,
    watchIgnore = [],
    ...options
  } = value as Record<string, unknown>;
  if (typeof script !== 'string' || script === '') invalid(file, '"script" must name the app to run');
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    invalid(file, '"args" must be an array of strings');
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    invalid(file, '"env" must be an object of variable names to values');
  }
  const envStrings: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!['string', 'number', 'boolean'].includes(typeof raw)) {
      invalid(file, `env.${key} must be a string, number or boolean`);
    }
    envStrings[key] = String(raw);
  }
  if (typeof watch !== 'boolean') invalid(file, '"watch" must be true or false');
  if (!Array.isArray(watchIgnore) || !watchIgnore.every((path) => typeof path === 'string' && path !== '')) {
    invalid(file, '"watchIgnore" must be an array of paths or directory names');
  }
  return {
    file,
    script: resolve(dirname(file), script),
    args,
    name: name === undefined ? undefined : assertControlName(name, 'name'),
    env: envStrings,
    watch,
    watchIgnore,
    options: options as ClusterConfigOptions,
  };
}
