import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { LbError } from '@lb/core';
import { configTemplate } from './configTemplate.js';
import { defaultControlName } from './controlAddress.js';
import { configFileNames } from './loadConfigFile.js';

function readPackageJson(cwd: string): { name?: unknown; main?: unknown } {
  try {
    return JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown; main?: unknown };
  } catch {
    return {};
  }
}

/**
 * `lb init`: writes a commented `lb.config.mjs` in `cwd` for `script` (default: package.json `main`, else
 * `app.js`), named after package.json `name` or the directory. Refuses to replace an existing config file unless
 * `force`.
 */
export function initConfigFile(
  script: string | undefined,
  force: boolean,
  cwd: string,
  stderr: Writable,
): void {
  const existing = configFileNames.filter((name) => existsSync(join(cwd, name)));
  if (existing.length > 0 && !force) {
    throw new LbError(
      'LB_ERR_INVALID_CONFIG_FILE',
      `${existing.join(' and ')} already exists here: edit it, or pass --force to replace it.`,
    );
  }
  const pkg = readPackageJson(cwd);
  const app = script ?? (typeof pkg.main === 'string' ? pkg.main : 'app.js');
  const name = defaultControlName(
    typeof pkg.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '') : basename(cwd),
  );
  const file = join(cwd, configFileNames[0]);
  writeFileSync(file, configTemplate(app, name));
  stderr.write(`[lb] wrote ${file}: edit it, then run "lb start"\n`);
}
