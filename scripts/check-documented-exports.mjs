// Fails when a package's public entry (packages/*/src/index.ts) exports a value (a class, function or constant)
// that no documentation mentions in code (`Name`, `Name(…)`, `Name.member`): docs/**/*.md, README.md and
// packages/*/README.md. Types are left out: they are documented where the values that take or return them are.
// @lb/all only re-exports the others. Unused internal exports are knip's job (`pnpm lint:exports` runs both).
//
// The rule for internals: helpers the packages share among themselves (config assertions, validators) live in a
// package's `./internal` subpath (`src/internal.ts`, such as `@lb/core/internal`), which is not public API, is not
// documented for users and is not checked here. So that nothing public escapes the check, a package may export
// only `.`, `./internal` and `./package.json`, and its internal entry must say in its first comment that it is
// internal and not public API.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

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
const subpaths = ['.', './internal', './package.json'];
const internalNote = /^\/\*\*\s*\n\s*\* Internal: [\s\S]*?Not public API/;
for (const name of packages) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const subpath of Object.keys(manifest.exports ?? {})) {
    if (!subpaths.includes(subpath))
      missing.push(`packages/${name}/package.json: "${subpath}" is neither public nor ./internal`);
  }
  if (manifest.exports?.['./internal'] === undefined) continue;
  const internal = join(dir, 'src', 'internal.ts');
  if (!existsSync(internal) || !internalNote.test(readFileSync(internal, 'utf8')))
    missing.push(`${relative(root, internal)}: must start with "/** * Internal: … Not public API"`);
}
if (missing.length > 0) {
  console.error(`Public API no documentation describes (${missing.length}):\n  ${missing.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('Every exported value is documented; ./internal entries are marked internal.');
}
