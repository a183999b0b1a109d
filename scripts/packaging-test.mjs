#!/usr/bin/env node
// Installs @lb the way docs/getting-started.md tells users to: in a fresh copy of the repository (no
// node_modules, no dist), runs the page's `from-a-clone` commands, which build through `prepack` and pack the seven
// tarballs; then runs each line of its `into-a-project` block in a new project outside the workspace and checks
// the result as a user would: ESM import, CJS require, the umbrella's re-exports, the lb command and a
// TypeScript consumer against the published .d.ts files. Also runs publint and arethetypeswrong on each tarball.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { docsBlock, freshCopy, userEnv } from './packaging/fromDocs.mjs';

const root = resolve(import.meta.dirname, '..');
const packages = ['core', 'strategies', 'discovery', 'proxy', 'cluster', 'isolate-pool', 'all'];
const work = mkdtempSync(join(tmpdir(), 'lb-packaging-'));
const clone = join(work, 'lb');
const env = userEnv();

function run(command, args, cwd, options = {}) {
  return execFileSync(command, args, {
    cwd,
    stdio: options.capture ? 'pipe' : 'inherit',
    encoding: 'utf8',
    env,
  });
}

/** Runs shell lines as the docs show them, stopping at the first that fails. */
const sh = (lines, cwd, options) => run('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], cwd, options);

function step(title) {
  console.log(`\n▶ ${title}`);
}

/** A new npm project outside the workspace. */
function project(name) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, version: '1.0.0' }));
  return dir;
}

const installedLb = (dir) =>
  readdirSync(join(dir, 'node_modules', '@lb'))
    .sort()
    .join();

try {
  step('a fresh copy of the repository, then the commands of docs/getting-started.md, "from-a-clone"');
  freshCopy(root, clone);
  sh(docsBlock(root, 'from-a-clone'), clone);
  const tarballs = join(clone, 'tarballs');
  const tarballOf = {};
  for (const name of packages) {
    const file = readdirSync(tarballs).find((f) => new RegExp(`^lb-${name}-\\d.*\\.tgz$`).test(f));
    if (!file) throw new Error(`pack:all produced no tarball for @lb/${name}`);
    tarballOf[name] = join(tarballs, file);
    step(`publint and arethetypeswrong on ${file}`);
    run(join(clone, 'node_modules', '.bin', 'publint'), ['--strict', tarballOf[name]], clone);
    const attwArgs = [tarballOf[name], '--profile', 'node16', '--format', 'table-flipped'];
    run(join(clone, 'node_modules', '.bin', 'attw'), attwArgs, clone);
  }

  // "lb=/path/to/lb/tarballs", then one `npm install` per line, named by its trailing comment.
  const [assignment, ...installs] = docsBlock(root, 'into-a-project');
  const lbVariable = assignment.replace('/path/to/lb/tarballs', tarballs);
  const installed = {};
  for (const line of installs) {
    const name = /# (@lb\/[a-z-]+)/.exec(line)?.[1];
    if (!name) throw new Error(`no "# @lb/<package>" comment on: ${line}`);
    step(`in a new project, as docs/getting-started.md says for ${name}: ${line.replace(/\s+#.*/, '')}`);
    installed[name] = project(name.replace('@lb/', ''));
    sh([lbVariable, line], installed[name], { capture: true });
  }

  step('@lb/proxy installed alone serves a request from ESM import and CJS require');
  const proxyAlone = installed['@lb/proxy'];
  if (installedLb(proxyAlone) !== 'core,proxy,strategies')
    throw new Error(`expected @lb/core, @lb/proxy and @lb/strategies, found ${installedLb(proxyAlone)}`);
  const proxyProgram = (load) => `${load}
(async () => {
  const backend = http.createServer((_req, res) => res.end('hello from the backend'));
  await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backends = [{ id: 'a', host: '127.0.0.1', port: backend.address().port }];
  const lb = new LoadBalancer({ loadBalancerPort: 0, loadBalancerHost: '127.0.0.1' }, backends);
  await lb.start();
  const body = await (await fetch('http://127.0.0.1:' + lb.address.port + '/')).text();
  await lb.stop();
  backend.close();
  if (body !== 'hello from the backend') throw new Error('the balancer answered ' + body);
  console.log('  ' + body);
})();`;
  run(
    'node',
    [
      '--input-type=module',
      '-e',
      proxyProgram("import http from 'node:http'; import { LoadBalancer } from '@lb/proxy';"),
    ],
    proxyAlone,
  );
  const requireProxy = "const http = require('node:http'); const { LoadBalancer } = require('@lb/proxy');";
  run('node', ['-e', proxyProgram(requireProxy)], proxyAlone);

  step('@lb/strategies installed alone works from ESM import and CJS require');
  const alone = project('strategies');
  run('npm', ['install', tarballOf.core, tarballOf.strategies], alone, { capture: true });
  if (installedLb(alone) !== 'core,strategies')
    throw new Error(`expected only @lb/core and @lb/strategies, found ${installedLb(alone)}`);
  const pickProgram = (load) => `${load}
const backends = [{ id: 'a', host: '127.0.0.1', port: 8081 }, { id: 'b', host: '127.0.0.1', port: 8082 }];
const s = strategies.createStrategy('roundRobin');
s.setBackends(backends);
const picked = [s.pick().id, s.pick().id, s.pick().id].join('');
if (picked !== 'aba' && picked !== 'bab') throw new Error('round robin picked ' + picked);
console.log('  picked', picked);`;
  run(
    'node',
    ['--input-type=module', '-e', pickProgram("import * as strategies from '@lb/strategies';")],
    alone,
  );
  run('node', ['-e', pickProgram("const strategies = require('@lb/strategies');")], alone);

  step('@lb/core/internal, which the other packages use, throws the ConfigError of @lb/core (ESM and CJS)');
  const sameClass = (load) => `${load}
try {
  internal.assertPort(-1, 'port');
  throw new Error('assertPort accepted -1');
} catch (error) {
  if (!(error instanceof core.ConfigError)) throw new Error('the internal entry has its own copy of ConfigError');
}
console.log('  one ConfigError');`;
  const importBoth = "import * as core from '@lb/core'; import * as internal from '@lb/core/internal';";
  run('node', ['--input-type=module', '-e', sameClass(importBoth)], alone);
  const requireBoth = "const core = require('@lb/core'); const internal = require('@lb/core/internal');";
  run('node', ['-e', sameClass(requireBoth)], alone);

  step('@lb/discovery installed alone needs only @lb/core');
  const discoveryAlone = project('discovery');
  run('npm', ['install', tarballOf.core, tarballOf.discovery], discoveryAlone, { capture: true });
  if (installedLb(discoveryAlone) !== 'core,discovery')
    throw new Error(`expected only @lb/core and @lb/discovery, found ${installedLb(discoveryAlone)}`);
  const sourceProgram = (load) => `${load}
const source = discovery.fileDiscovery({ path: 'backends.json' });
if (typeof source.subscribe !== 'function') throw new Error('fileDiscovery returned no source');
console.log('  ', source.description);`;
  run(
    'node',
    ['--input-type=module', '-e', sourceProgram("import * as discovery from '@lb/discovery';")],
    discoveryAlone,
  );
  run('node', ['-e', sourceProgram("const discovery = require('@lb/discovery');")], discoveryAlone);

  step('@lb/all re-exports every package');
  const all = installed['@lb/all'];
  if (installedLb(all) !== [...packages].sort().join())
    throw new Error(`expected all ${packages.length} packages, found ${installedLb(all)}`);
  const compare = `
const missing = [];
for (const name of ${JSON.stringify(packages.filter((p) => p !== 'all'))}) {
  for (const key of Object.keys(mods[name])) if (!(key in mods.all) && key !== 'default') missing.push('@lb/' + name + ':' + key);
}
if (missing.length) throw new Error('@lb/all does not re-export ' + missing.join(', '));
console.log('  @lb/all exports', Object.keys(mods.all).length, 'names');`;
  const importAll = packages.map((p) => `'${p}': await import('@lb/${p}')`).join(', ');
  run('node', ['--input-type=module', '-e', `const mods = { ${importAll} };${compare}`], all);
  const requireAll = packages.map((p) => `'${p}': require('@lb/${p}')`).join(', ');
  run('node', ['-e', `const mods = { ${requireAll} };${compare}`], all);

  step('the lb command is reachable through @lb/all');
  const help = run(join(all, 'node_modules', '.bin', 'lb'), ['--help'], all, { capture: true });
  if (!help.includes('lb start')) throw new Error(`lb --help printed no usage:\n${help}`);
  console.log('  lb --help ok');

  step('a TypeScript consumer type-checks against the installed .d.ts files (ESM and CJS)');
  run('npm', ['install', '--no-save', 'typescript@5.9.3', '@types/node@20'], all, { capture: true });
  const consumer = `import { ClusterConfig, LbError, LoadBalancingStrategy, ProcessInfo, type Strategy, createStrategy } from '@lb/all';
const config: ClusterConfig = new ClusterConfig({ processes: 2, basePort: 8080, strategy: LoadBalancingStrategy.leastConnections });
const backends: ProcessInfo[] = [new ProcessInfo({ id: 0, port: 8081 }), new ProcessInfo({ id: 1, port: 8082 })];
const strategy: Strategy<ProcessInfo> = createStrategy(config.strategy) as Strategy<ProcessInfo>;
strategy.setBackends(backends);
const chosen: ProcessInfo | undefined = strategy.pick({ clientAddress: '10.0.0.1' });
const code: string | undefined = chosen === undefined ? new LbError('LB_ERR_NO_HEALTHY_BACKEND', 'none').code : undefined;
export { code };
`;
  writeFileSync(join(all, 'consumer.mts'), consumer);
  writeFileSync(join(all, 'consumer.cts'), consumer.replace(/^export \{ code \};$/m, 'export = code;'));
  writeFileSync(
    join(all, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['consumer.mts', 'consumer.cts'],
    }),
  );
  run(join(all, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], all);
  console.log('\npackaging test passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
