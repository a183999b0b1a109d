#!/usr/bin/env node
import { availableCpus, ConfigError, LbError } from '@lb/core';
import packageJson from '../package.json' with { type: 'json' };
import { parseCliArgs } from './cliArgs.js';
import { cliHelp } from './cliHelp.js';
import { ClusterManager } from './clusterManager.js';
import { currentControlEnvironment } from './controlAddress.js';
import { runControlCommand } from './controlCommand.js';
import { initConfigFile } from './initConfigFile.js';
import { loadConfigFile } from './loadConfigFile.js';
import { PrimaryLog } from './primaryLog.js';
import { startPlan } from './startPlan.js';
import { watchAndReload } from './watchReload.js';

function usageError(message: string): never {
  process.stderr.write(`lb: ${message}\nRun "lb --help" for usage.\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCliArgs>;
  let manager: ClusterManager;
  let plan: ReturnType<typeof startPlan>;
  try {
    parsed = parseCliArgs(process.argv.slice(2), { cpus: availableCpus() });
    if (parsed.command === 'help') {
      process.stdout.write(cliHelp);
      return;
    }
    if (parsed.command === 'version') {
      process.stdout.write(`${packageJson.version}\n`);
      return;
    }
    if (parsed.command === 'init') {
      initConfigFile(parsed.script, parsed.force, process.cwd(), process.stderr);
      return;
    }
    if (parsed.command !== 'start') {
      await runControlCommand(parsed, currentControlEnvironment(), process);
      return;
    }
    const file = await loadConfigFile(parsed.configFile, parsed.script !== undefined, process.cwd());
    plan = startPlan(parsed, file, process.cwd(), process.env);
    try {
      manager = new ClusterManager(plan.config, plan.args, { env: plan.env, control: { name: plan.name } });
    } catch (err) {
      // Name the file: an option the command line did not set came from it.
      if (err instanceof ConfigError && file !== undefined) err.message = `${file.file}: ${err.message}`;
      throw err;
    }
  } catch (err) {
    if (
      err instanceof LbError &&
      (err.code === 'LB_ERR_INVALID_CLI_ARGUMENT' ||
        err.code === 'LB_ERR_INVALID_CONFIG_FILE' ||
        err instanceof ConfigError)
    ) {
      usageError(err.message);
    }
    if (err instanceof LbError) {
      process.stderr.write(`lb: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  try {
    // The cluster logs every step from here on, and exits 1 itself if every worker gives up.
    await manager.start();
  } catch (err) {
    const log = new PrimaryLog(process.stderr, manager.config.logFormat, 'lb: ');
    log.write('failed', err instanceof Error ? err.message : String(err), {
      error: err instanceof LbError ? err.code : undefined,
    });
    process.exit(1);
  }
  // The manager has printed its "workers ready" line; say how to reach it, in the same format.
  new PrimaryLog(process.stderr, manager.config.logFormat, '[lb] ').write(
    'control',
    `control: lb status|logs|reload|stop|scale --name ${manager.controlName}`,
    { name: manager.controlName },
  );
  if (plan.watch !== undefined) watchAndReload(manager, plan.watch.root, plan.watch.ignore, process.stderr);
}

void main();
