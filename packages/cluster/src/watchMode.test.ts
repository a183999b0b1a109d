import { describe, expect, it } from 'vitest';
import { isIgnoredChange } from './watchMode.js';

describe('isIgnoredChange', () => {
  it('ignores dependencies and version control, on any path separator', () => {
    expect(isIgnoredChange('node_modules/x/index.js')).toBe(true);
    expect(isIgnoredChange('packages\\a\\node_modules\\b.js')).toBe(true);
    expect(isIgnoredChange('.git/index')).toBe(true);
    expect(isIgnoredChange('src/app.js')).toBe(false);
    expect(isIgnoredChange('.github/workflows/ci.yml')).toBe(false);
  });
});
