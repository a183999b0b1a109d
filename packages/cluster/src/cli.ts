#!/usr/bin/env node
import { resolve } from 'node:path';
import { availableCpus, ConfigError, LbError } from '@lb/core';
import packageJson from '../package.json' with { type: 'json' };
import { parseCliArgs } from './cliArgs.js';
import { cliHelp } from './cliHelp.js';
import { ClusterManager } from './clusterManager.js';
import { PrimaryLog } from './primaryLog.js';

function usageError(message: string): never {
  process.stderr.write(`lb: ${message}\nRun "lb --help" for usage.\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCliArgs>;
  let manager: ClusterManager;
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
    manager = new ClusterManager(parsed.config, [resolve(parsed.script), ...parsed.scriptArgs]);
  } catch (err) {
    if (
      err instanceof LbError &&
      (err.code === 'LB_ERR_INVALID_CLI_ARGUMENT' || err instanceof ConfigError)
    ) {
      usageError(err.message);
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
}

void main();
