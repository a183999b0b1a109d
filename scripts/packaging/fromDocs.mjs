// What the packaging test takes from the repository: a fresh copy of it, and the install commands that
// docs/getting-started.md gives users, so the test runs exactly what the page says.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, sep } from 'node:path';

/**
 * Copies what a clone of this working tree would hold (tracked files plus new ones git does not ignore, with
 * their uncommitted changes) into `dest`: no node_modules, dist, tarballs or turbo cache.
 */
export function freshCopy(root, dest) {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const file of files.split('\0')) {
    // A tracked file deleted in the working tree is not part of it.
    if (file === '' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(join(root, file), join(dest, file));
  }
}

/** The lines of the fenced block whose info string is `sh <name>` in docs/getting-started.md. */
export function docsBlock(root, name) {
  const page = readFileSync(join(root, 'docs', 'getting-started.md'), 'utf8');
  const match = new RegExp(`^\`\`\`sh ${name}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(page);
  if (!match) throw new Error(`docs/getting-started.md has no \`\`\`sh ${name} block`);
  return match[1].trim().split('\n');
}

/** The environment of a user's shell: no variables set by the package manager that runs this test. */
export function userEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|INIT_CWD$)/.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes(`node_modules${sep}.bin`))
    .join(delimiter);
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}
