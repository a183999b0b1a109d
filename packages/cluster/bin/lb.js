#!/usr/bin/env node
// The `lb` command. The bin entry is this committed file rather than dist/cli.js, so it exists before the first
// build and `pnpm install` in a fresh clone links it without a warning.
import '../dist/cli.js';
