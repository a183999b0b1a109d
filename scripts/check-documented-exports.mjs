// Fails when a package's public entry (packages/*/src/index.ts) exports a value (a class, function or constant)
// that no documentation mentions in code (`Name`, `Name(…)`, `Name.member`): docs/**/*.md, README.md and
// packages/*/README.md. Types are left out: they are documented where the values that take or return them are.
// @lb/all only re-exports the others. Unused internal exports are knip's job (`pnpm lint:exports` runs both).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Exported values no doc mentions yet, waiting for their owners to document them, stop exporting them or keep
 * them as cross-package internals (issue #11). A new undocumented export fails the check, and so does an entry
 * here that became documented or is no longer exported, so the list only shrinks.
 */
const pending = new Set([
  'packages/cluster/src/index.ts: clusterStatus',
  'packages/cluster/src/index.ts: WorkerEnv',
  'packages/core/src/index.ts: cgroupCpuLimit',
  'packages/core/src/index.ts: parseCgroupV1Quota',
  'packages/core/src/index.ts: parseCgroupV2CpuMax',
  'packages/core/src/index.ts: parseCgroupV2Path',
  'packages/core/src/index.ts: loadBalancerOptionKeys',
  'packages/core/src/index.ts: isLoadBalancingStrategyName',
  'packages/core/src/index.ts: assertBoolean',
  'packages/core/src/index.ts: assertInteger',
  'packages/core/src/index.ts: assertKnownKeys',
  'packages/core/src/index.ts: assertNumber',
  'packages/core/src/index.ts: assertOneOf',
  'packages/core/src/index.ts: assertPort',
  'packages/core/src/index.ts: assertRange',
  'packages/core/src/index.ts: assertString',
  'packages/core/src/index.ts: fail',
  'packages/core/src/index.ts: validateBackends',
  'packages/core/src/index.ts: resolveRetryOptions',
  'packages/core/src/index.ts: validateResilienceOptions',
  'packages/core/src/index.ts: validateStrategyOption',
  'packages/proxy/src/index.ts: probeBackend',
  'packages/proxy/src/index.ts: proxyTcpConnection',
  'packages/strategies/src/index.ts: secondaryHashKey',
  'packages/strategies/src/index.ts: defaultMaglevTableSize',
  'packages/strategies/src/index.ts: mulberry32',
  'packages/strategies/src/index.ts: resolveRandom',
]);

function markdown(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : markdown(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const packages = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'src', 'index.ts')),
);
const docs = [
  ...markdown(join(root, 'docs')),
  join(root, 'README.md'),
  ...packages.map((name) => join(root, 'packages', name, 'README.md')).filter(existsSync),
]
  .map((path) => readFileSync(path, 'utf8'))
  .join('\n');

/** Whether the docs mention `name` in code: a backtick, then the name, then anything but an identifier char. */
function documented(name) {
  return new RegExp(`\`${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(docs);
}

const entries = packages
  .filter((name) => name !== 'all')
  .map((name) => join(root, 'packages', name, 'src', 'index.ts'));
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  noEmit: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();
const missing = [];
for (const entry of entries) {
  const source = program.getSourceFile(entry);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (symbol === undefined) {
    console.error(`Cannot read the exports of ${entry}`);
    process.exit(2);
  }
  for (const exported of checker.getExportsOfModule(symbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(target.flags & ts.SymbolFlags.Value)) continue;
    if (!documented(exported.name)) missing.push(`${relative(root, entry)}: ${exported.name}`);
  }
}
const added = missing.filter((entry) => !pending.has(entry));
const stale = [...pending].filter((entry) => !missing.includes(entry));
if (added.length > 0) {
  console.error(`Exported values no documentation mentions (${added.length}):\n  ${added.join('\n  ')}`);
  process.exitCode = 1;
}
if (stale.length > 0) {
  console.error(`Documented or gone, remove from the pending list:\n  ${stale.join('\n  ')}`);
  process.exitCode = 1;
}
if (process.exitCode !== 1) {
  console.log(
    `Every exported value is documented, but ${pending.size} pending ones (scripts/check-documented-exports.mjs).`,
  );
}
