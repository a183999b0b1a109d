import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesDir } from './runExample.js';

// What a user of an installed package sees: its README (on the registry's page or in node_modules, where
// relative links lead nowhere), its repository field and its bin entries.
const root = join(examplesDir, '..');
const names = ['core', 'strategies', 'discovery', 'proxy', 'cluster', 'isolate-pool', 'all'];

interface Manifest {
  repository?: { type?: string; url?: string; directory?: string };
  bin?: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const repositoryUrl = manifest(root).repository?.url ?? '';
/** `git+https://host/owner/name.git` → `https://host/owner/name/blob/main/`, where the docs are read. */
const filesUrl = `${repositoryUrl.replace(/^git\+/, '').replace(/\.git$/, '')}/blob/main/`;

describe.each(names)('@lb/%s', (name) => {
  const dir = join(root, 'packages', name);
  const pkg = manifest(dir);

  it('names the repository and its directory in it', () => {
    expect(repositoryUrl).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(pkg.repository).toEqual({ type: 'git', url: repositoryUrl, directory: `packages/${name}` });
  });

  it('has bin entries that exist before any build', () => {
    for (const target of Object.values(pkg.bin ?? {})) {
      expect(target).not.toMatch(/^(\.\/)?dist\//);
      expect(existsSync(join(dir, target)), target).toBe(true);
    }
  });
});

// @lb/core and @lb/all have no README yet.
const readmes = names
  .map((name) => join('packages', name, 'README.md'))
  .filter((f) => existsSync(join(root, f)));

describe.each(readmes)('%s', (readme) => {
  it('links only to absolute URLs, and to repository files that exist', () => {
    const text = readFileSync(join(root, readme), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    expect(targets.filter((target) => !/^(https?:|#)/.test(target))).toEqual([]);
    for (const target of targets.filter((t) => t.startsWith(filesUrl))) {
      const file = target.slice(filesUrl.length).replace(/#.*$/, '');
      expect(existsSync(join(root, file)), target).toBe(true);
    }
  });
});
