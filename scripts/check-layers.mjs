// Keeps the import direction of @lb/proxy visible and enforced: each folder of src/ may import only from the
// folders listed for it, so the layers read bottom-up (io, protocol ← downstream/upstream ← router ← balancer).
// Run by `pnpm lint`; prints every import that runs the wrong way and exits 1 if there is one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Per package: for each top-level folder of `src/`, the folders it may import from (itself always). */
const layers = {
  'packages/proxy/src': {
    io: [],
    protocol: [],
    routing: [],
    accessLog: [],
    metrics: [],
    options: ['protocol', 'routing', 'accessLog'],
    admin: ['metrics'],
    upstream: ['io', 'protocol'],
    downstream: ['io', 'protocol'],
    backends: ['metrics', 'protocol'],
    router: ['protocol', 'routing', 'accessLog', 'options', 'upstream', 'downstream', 'backends', 'metrics'],
    balancer: [
      'protocol',
      'routing',
      'accessLog',
      'options',
      'upstream',
      'downstream',
      'backends',
      'metrics',
      'router',
      'admin',
    ],
  },
};

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;
const problems = [];
for (const [srcDir, allowed] of Object.entries(layers)) {
  const src = join(root, srcDir);
  const folderOf = (file) => relative(src, file).split('/')[0];
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    if (!(from in allowed)) {
      if (from.endsWith('.ts')) continue; // the package's entry point may import anything
      problems.push(`${relative(root, file)}: folder '${from}' has no place in the layer table`);
      continue;
    }
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to !== from && !allowed[from].includes(to)) {
        problems.push(`${relative(root, file)} imports '${spec}': ${from}/ may not depend on ${to}/`);
      }
    }
  }
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
