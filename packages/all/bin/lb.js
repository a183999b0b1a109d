#!/usr/bin/env node
// The `lb` command of @lb/all: runs @lb/cluster's CLI, found through that package's own `bin` entry.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const manifestPath = require.resolve('@lb/cluster/package.json');
const manifest = require(manifestPath);
await import(pathToFileURL(join(dirname(manifestPath), manifest.bin.lb)).href);
