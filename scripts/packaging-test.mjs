#!/usr/bin/env node
// Packs every package the way `pnpm publish` would, installs the tarballs into fresh projects outside the
// workspace and checks them as a user would: ESM import, CJS require, the umbrella's re-exports and a TypeScript
// consumer against the published .d.ts files. Also runs publint and arethetypeswrong on each tarball.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['core', 'strategies', 'discovery', 'proxy', 'cluster', 'isolate-pool', 'all'];
const work = mkdtempSync(join(tmpdir(), 'lb-packaging-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

function run(command, args, cwd, options = {}) {
  return execFileSync(command, args, {
    cwd,
    stdio: options.capture ? 'pipe' : 'inherit',
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
  });
}

function step(title) {
  console.log(`\n▶ ${title}`);
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
const tarballOf = {};
try {
  for (const name of packages) {
    step(`pack @lb/${name}`);
    const dir = join(root, 'packages', name);
    run('pnpm', ['pack', '--pack-destination', tarballs], dir, { capture: true });
    const file = readdirSync(tarballs).find((f) => f.startsWith(`lb-${name}-`) && f.endsWith('.tgz'));
    if (!file) throw new Error(`pnpm pack produced no tarball for @lb/${name}`);
    tarballOf[name] = join(tarballs, file);
    step(`publint @lb/${name}`);
    run(bin('publint'), ['--strict', tarballOf[name]], root);
    step(`arethetypeswrong @lb/${name}`);
    run(bin('attw'), [tarballOf[name], '--profile', 'node16', '--format', 'table-flipped'], root);
  }

  const project = (dirName, deps) => {
    const dir = join(work, dirName);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: dirName, private: true, version: '1.0.0' }),
    );
    run('npm', ['install', '--no-save', '--ignore-scripts', '--no-package-lock', ...deps], dir, {
      capture: true,
    });
    return dir;
  };

  step('@lb/strategies installed alone works from ESM import and CJS require');
  const alone = project('strategies-alone', [tarballOf.core, tarballOf.strategies]);
  const installed = readdirSync(join(alone, 'node_modules', '@lb')).sort();
  if (installed.join() !== 'core,strategies')
    throw new Error(`expected only @lb/core and @lb/strategies, found ${installed}`);
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

  step('@lb/discovery installed alone needs only @lb/core');
  const discoveryAlone = project('discovery-alone', [tarballOf.core, tarballOf.discovery]);
  const discoveryDeps = readdirSync(join(discoveryAlone, 'node_modules', '@lb')).sort();
  if (discoveryDeps.join() !== 'core,discovery')
    throw new Error(`expected only @lb/core and @lb/discovery, found ${discoveryDeps}`);
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

  step('@lb/all installed alone re-exports every package');
  const all = project('all-alone', Object.values(tarballOf));
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
  run(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      'typescript@5.9.3',
      '@types/node@20',
      ...Object.values(tarballOf),
    ],
    all,
    { capture: true },
  );
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
