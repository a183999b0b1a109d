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

  it('ignores the paths and names it is given', () => {
    const ignore = ['logs', './data/db.sqlite', 'tmp/'];
    expect(isIgnoredChange('logs/app.log', ignore)).toBe(true);
    expect(isIgnoredChange('src/logs/x', ignore)).toBe(true);
    expect(isIgnoredChange('data/db.sqlite', ignore)).toBe(true);
    expect(isIgnoredChange('data\\db.sqlite-journal', ignore)).toBe(false);
    expect(isIgnoredChange('tmp/upload', ignore)).toBe(true);
    expect(isIgnoredChange('src/app.js', ignore)).toBe(false);
    expect(isIgnoredChange('logsmith.js', ignore)).toBe(false);
  });
});
