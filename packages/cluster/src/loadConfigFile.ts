import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LbError } from '@lb/core';
import { type ParsedConfigFile, parseConfigFile } from './configFile.js';

/** The file names `lb start` looks for in the current directory when given no app. */
export const configFileNames = ['lb.config.mjs', 'lb.config.json'] as const;

function invalid(message: string, cause?: unknown): never {
  throw new LbError('LB_ERR_INVALID_CONFIG_FILE', message, { cause });
}

/**
 * Finds and reads the config file of `lb start`: `explicit` (`--config`) if given, else `lb.config.mjs` or
 * `lb.config.json` in `cwd` when no app was named. Resolves `undefined` when there is none to read. JSON is
 * parsed; anything else is imported and its default export used.
 */
export async function loadConfigFile(
  explicit: string | undefined,
  scriptGiven: boolean,
  cwd: string,
): Promise<ParsedConfigFile | undefined> {
  let file: string;
  if (explicit !== undefined) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) invalid(`--config ${explicit}: no such file (${file})`);
  } else {
    if (scriptGiven) return undefined;
    const found = configFileNames.map((name) => join(cwd, name)).filter((path) => existsSync(path));
    // Reading one and ignoring the other would leave half the settings unexplained.
    if (found.length > 1) invalid(`Both ${configFileNames.join(' and ')} exist in ${cwd}: keep one.`);
    if (found[0] === undefined) return undefined;
    file = found[0];
  }
  return parseConfigFile(await read(file), file);
}

async function read(file: string): Promise<unknown> {
  if (extname(file) === '.json') {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      invalid(`${file}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    invalid(`${file} could not be loaded: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (module.default === undefined) invalid(`${file} has no default export: export default { script: … }`);
  return module.default;
}
