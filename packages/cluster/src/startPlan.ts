import { dirname, resolve } from 'node:path';
import { type ClusterConfigOptions, LbError } from '@lb/core';
import type { StartCommand } from './cliArgs.js';
import type { ParsedConfigFile } from './configFile.js';
import { defaultControlName } from './controlAddress.js';

/** Everything `lb start` runs with, once the command line and the config file are combined. */
export interface StartPlan {
  /** The worker script (absolute) and its arguments. */
  readonly args: readonly string[];
  readonly config: ClusterConfigOptions;
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  /** What `--watch` watches, and the paths it ignores; `undefined` without it. */
  readonly watch: { readonly root: string; readonly ignore: readonly string[] } | undefined;
}

type MutableOptions = { -readonly [K in keyof ClusterConfigOptions]: ClusterConfigOptions[K] };

/**
 * Combines `lb start` flags with a config file. Pure. Precedence: flags given, then the file, then the command's
 * defaults; `--env` over the file's `env` over `lb`'s environment. A file in shared-port mode turns `--port` into
 * the shared port, as `--shared-port` does.
 */
export function startPlan(
  cli: StartCommand,
  file: ParsedConfigFile | undefined,
  cwd: string,
  processEnv: NodeJS.ProcessEnv,
): StartPlan {
  const script = cli.script === undefined ? file?.script : resolve(cwd, cli.script);
  if (script === undefined) {
    throw new LbError(
      'LB_ERR_INVALID_CLI_ARGUMENT',
      'start needs the app to run, as in: lb start app.js, or an lb.config.mjs here ("lb init" writes one)',
    );
  }
  const fromFile: MutableOptions = { ...file?.options };
  if (fromFile.sharedPort !== undefined) fromFile.enableLoadBalancer ??= false;
  const config: MutableOptions = { ...cli.config, ...fromFile };
  for (const key of cli.explicit) (config as Record<string, unknown>)[key] = cli.config[key];
  if (config.enableLoadBalancer === false) {
    if (cli.explicit.has('loadBalancerPort') && !cli.explicit.has('sharedPort')) {
      config.sharedPort = cli.config.loadBalancerPort;
    }
    if (!('loadBalancerPort' in fromFile)) delete config.loadBalancerPort;
  }
  const scriptArgs = cli.scriptArgs.length > 0 || file === undefined ? cli.scriptArgs : file.args;
  const watch = cli.watch || file?.watch === true;
  return {
    args: [script, ...scriptArgs],
    config,
    name: cli.name ?? file?.name ?? defaultControlName(script),
    env: { ...processEnv, ...file?.env, ...cli.env },
    watch: watch
      ? { root: dirname(file?.file ?? script), ignore: [...(file?.watchIgnore ?? []), ...cli.watchIgnore] }
      : undefined,
  };
}
