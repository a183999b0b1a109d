import { describe, expect, it } from 'vitest';
import {
  type ControlEnvironment,
  controlAddress,
  controlNamesIn,
  defaultControlName,
} from './controlAddress.js';

const linux: ControlEnvironment = {
  platform: 'linux',
  runtimeDir: '/run/user/1000',
  tmpdir: '/tmp',
  user: '1000',
};
const windows: ControlEnvironment = {
  platform: 'win32',
  runtimeDir: undefined,
  tmpdir: 'C:\\T',
  user: 'Ada L',
};

describe('controlAddress', () => {
  it('uses $XDG_RUNTIME_DIR/lb, else a per-user directory in tmpdir, else a named pipe on Windows', () => {
    expect(controlAddress('api', linux)).toBe('/run/user/1000/lb/api.sock');
    expect(controlAddress('api', { ...linux, runtimeDir: undefined })).toBe('/tmp/lb-1000/api.sock');
    expect(controlAddress('api', windows)).toBe('\\\\.\\pipe\\lb-Ada-L-api');
  });

  it('refuses names that are not plain file names, and paths Unix cannot bind', () => {
    for (const bad of ['../x', 'a/b', '.hidden', '', 'x'.repeat(65), '-flag']) {
      expect(() => controlAddress(bad, linux)).toThrow(/control.name must be 1 to 64/);
    }
    expect(() => controlAddress('x'.repeat(60), { ...linux, runtimeDir: `/${'d'.repeat(50)}` })).toThrow(
      /longer than Unix allows/,
    );
  });
});

describe('defaultControlName', () => {
  it('is the script file name without extension, made safe', () => {
    expect(defaultControlName('/srv/api/server.mjs')).toBe('server');
    expect(defaultControlName('my app!.js')).toBe('my-app-');
    expect(defaultControlName('.js')).toBe('js');
  });
});

describe('controlNamesIn', () => {
  it('lists this user’s sockets or pipes only', () => {
    expect(controlNamesIn(['b.sock', 'a.sock', 'notes.txt'], linux)).toEqual(['a', 'b']);
    expect(controlNamesIn(['lb-Ada-L-api', 'lb-Bob-api', 'other'], windows)).toEqual(['api']);
  });
});
