import {
  type ClusterConfigOptions,
  isLoadBalancingStrategyName,
  LbError,
  LoadBalancingStrategy,
  type LogFormat,
  type ReadinessMode,
} from '@lb/core';
import { assertControlName } from './controlAddress.js';
import { type ControlCommand, controlCommands, parseControlArgs } from './controlArgs.js';

/** What `lb start` asks for. */
export interface StartCommand {
  readonly command: 'start';
  /** The app to run in every worker; `undefined` when it comes from the config file. */
  readonly script: string | undefined;
  /** Arguments for the app (everything after `--`). */
  readonly scriptArgs: readonly string[];
  /** The options from the flags, on top of the command's defaults. */
  readonly config: ClusterConfigOptions;
  /** The options a flag set (the others are defaults a config file may override). */
  readonly explicit: ReadonlySet<keyof ClusterConfigOptions>;
  /** `--name`: what `lb status|logs|reload|stop|scale` reach this cluster by. */
  readonly name: string | undefined;
  /** `--env KEY=VALUE`, in order; later ones win. */
  readonly env: Readonly<Record<string, string>>;
  /** `--config <path>`. */
  readonly configFile: string | undefined;
  /** `--watch`: reload on file changes. */
  readonly watch: boolean;
  /** `--watch-ignore <path>`, in order: more paths whose changes do not reload. */
  readonly watchIgnore: readonly string[];
}

/** What the `lb` command line asks for. */
export type CliCommand =
  | { readonly command: 'help' }
  | { readonly command: 'version' }
  | { readonly command: 'init'; readonly script: string | undefined; readonly force: boolean }
  | StartCommand
  | ControlCommand;

function bad(message: string): never {
  throw new LbError('LB_ERR_INVALID_CLI_ARGUMENT', message);
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    bad(
      `${flag} expects an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${raw}"`,
    );
  }
  return value;
}

/** `-i max` is every available CPU, `-i -1` all but one (at least one), `-i 4` four. */
export function parseInstances(raw: string, cpus: number): number {
  if (raw === 'max' || raw === '0') return cpus;
  const value = Number(raw);
  if (!Number.isInteger(value)) bad(`--instances expects a number, "max" or a negative offset, got "${raw}"`);
  return value < 0 ? Math.max(1, cpus + value) : value;
}

const valueFlags: ReadonlySet<string> = new Set([
  '-i',
  '--instances',
  '-p',
  '--port',
  '--host',
  '--strategy',
  '--readiness',
  '--readiness-timeout',
  '--shutdown-timeout',
  '--drain-delay',
  '--max-restarts',
  '--max-memory',
  '--log-format',
  '--admin-port',
  '--admin-host',
  '--name',
  '--env',
  '--config',
  '--watch-ignore',
]);

/** `KEY=VALUE`; the key must be a usable environment variable name. */
function parseEnvAssignment(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  const key = eq === -1 ? raw : raw.slice(0, eq);
  if (eq === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    bad(`--env expects KEY=VALUE with KEY made of letters, digits and _, got "${raw}"`);
  }
  return [key, raw.slice(eq + 1)];
}

const sizeUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `512M`, `1G`, `300000K` or a byte count. */
export function parseSize(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(raw.trim());
  const unit = sizeUnits[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined || Number(match[1]) <= 0) {
    bad(`--max-memory expects a size such as 512M or 1G, got "${raw}"`);
  }
  return Math.round(Number(match[1]) * unit);
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw))
    bad(`${flag} expects one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/**
 * Parses `lb` arguments (without `node` and the script path). Pure: throws `LB_ERR_INVALID_CLI_ARGUMENT` with a
 * message for the user on anything it does not understand.
 *
 * @example
 * ```ts
 * parseCliArgs(['start', 'app.js', '-i', 'max', '--port', '3000'], { cpus: 8 });
 * // { command: 'start', script: 'app.js', scriptArgs: [], config: { processes: 8, loadBalancerPort: 3000, … } }
 * ```
 */
export function parseCliArgs(argv: readonly string[], env: { cpus: number }): CliCommand {
  const dashDash = argv.indexOf('--');
  const own = dashDash === -1 ? [...argv] : argv.slice(0, dashDash);
  const scriptArgs = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  if (own.length === 0 || own.includes('--help') || own.includes('-h') || own[0] === 'help')
    return { command: 'help' };
  if (own.includes('--version') || own.includes('-v')) return { command: 'version' };
  const [command, ...rest] = own;
  if (command !== undefined && controlCommands.has(command)) return parseControlArgs(command, rest);
  if (command === 'init') return parseInit(rest);
  if (command !== 'start') {
    bad(`unknown command "${command}" (commands: start, status, logs, reload, stop, scale, init)`);
  }
  let script: string | undefined;
  let name: string | undefined;
  let configFile: string | undefined;
  let watch = false;
  const watchIgnore: string[] = [];
  const appEnv: Record<string, string> = {};
  const explicit = new Set<keyof ClusterConfigOptions>();
  let port = 3000;
  let sharedPort = false;
  let portGiven = false;
  const config: {
    -readonly [K in keyof ClusterConfigOptions]: ClusterConfigOptions[K];
  } = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (!arg.startsWith('-')) {
      if (script !== undefined) bad(`unexpected argument "${arg}": put the app's own arguments after --`);
      script = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === '--shared-port') {
      if (eq !== -1) bad('--shared-port takes no value: the port is --port');
      sharedPort = true;
      continue;
    }
    if (flag === '--no-exit-when-all-given-up') {
      if (eq !== -1) bad(`${flag} takes no value`);
      config.exitWhenAllGivenUp = false;
      continue;
    }
    if (flag === '--watch') {
      if (eq !== -1) bad("--watch takes no value: it watches the app's directory");
      watch = true;
      continue;
    }
    if (!valueFlags.has(flag)) bad(`unknown option "${flag}"`);
    const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined) bad(`${flag} needs a value`);
    switch (flag) {
      case '-i':
      case '--instances':
        config.processes = parseInstances(value, env.cpus);
        break;
      case '-p':
      case '--port':
        port = integer(flag, value, 0, 65535);
        break;
      case '--host':
        config.loadBalancerHost = value;
        break;
      case '--strategy':
        if (!isLoadBalancingStrategyName(value)) {
          bad(`--strategy expects one of ${Object.values(LoadBalancingStrategy).join(', ')}, got "${value}"`);
        }
        config.strategy = value;
        break;
      case '--readiness':
        config.readiness = oneOf<ReadinessMode>(flag, value, ['port', 'signal']);
        break;
      case '--readiness-timeout':
        config.readinessTimeout = integer(flag, value, 1);
        break;
      case '--shutdown-timeout':
        config.shutdownTimeout = integer(flag, value, 0);
        break;
      case '--drain-delay':
        config.drainDelay = integer(flag, value, 0, 2 ** 31 - 1);
        break;
      case '--max-restarts':
        config.maxRestarts = integer(flag, value, 0);
        break;
      case '--max-memory':
        config.maxMemory = parseSize(value);
        break;
      case '--log-format':
        config.logFormat = oneOf<LogFormat>(flag, value, ['prefix', 'json', 'inherit']);
        break;
      case '--admin-port':
        config.adminPort = integer(flag, value, 0, 65535);
        break;
      case '--admin-host':
        config.adminHost = value;
        break;
      case '--name':
        name = assertControlName(value, '--name');
        break;
      case '--env': {
        const [key, assigned] = parseEnvAssignment(value);
        appEnv[key] = assigned;
        break;
      }
      case '--config':
        configFile = value;
        break;
      case '--watch-ignore':
        watchIgnore.push(value);
        break;
    }
    if (flag === '-p' || flag === '--port') portGiven = true;
  }
  for (const key of Object.keys(config) as Array<keyof ClusterConfigOptions>) explicit.add(key);
  // Workers on free ports behind the balancer: what `lb start` means unless a flag or config file says otherwise.
  config.basePort = 0;
  config.enableLoadBalancer = true;
  if (sharedPort) {
    config.enableLoadBalancer = false;
    config.sharedPort = port;
    explicit.add('enableLoadBalancer').add('sharedPort');
    if (config.strategy !== undefined) bad('--strategy needs the balancer: drop --shared-port or --strategy');
  } else {
    config.loadBalancerPort = port;
    if (portGiven) explicit.add('loadBalancerPort');
  }
  return {
    command: 'start',
    script,
    scriptArgs,
    config,
    explicit,
    name,
    env: appEnv,
    configFile,
    watch,
    watchIgnore,
  };
}

function parseInit(args: readonly string[]): CliCommand {
  const force = args.includes('--force');
  const rest = args.filter((arg) => arg !== '--force');
  const unknown = rest.find((arg) => arg.startsWith('-'));
  if (unknown !== undefined) bad(`unknown option "${unknown}" for init`);
  if (rest.length > 1) bad(`unexpected argument "${rest[1]}": init takes at most the app to run`);
  return { command: 'init', script: rest[0], force };
}
