import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/errorCodes.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it.each(Object.values(ErrorCode))('documents %s', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });
});
