import { describe, expect, it } from 'vitest';
import { type CliCommand, parseCliArgs, type StartCommand } from './cliArgs.js';
import { parseConfigFile } from './configFile.js';
import { startPlan } from './startPlan.js';

const start = (...argv: string[]): StartCommand => {
  const parsed: CliCommand = parseCliArgs(['start', ...argv], { cpus: 8 });
  if (parsed.command !== 'start') throw new Error('not start');
  return parsed;
};
const file = (value: unknown) => parseConfigFile(value, '/srv/api/lb.config.json');

describe('parseConfigFile', () => {
  it('resolves the script against the file and turns env values into strings', () => {
    expect(file({ script: 'server.js', env: { N: 2, DEBUG: false }, processes: 3 })).toEqual({
      file: '/srv/api/lb.config.json',
      script: '/srv/api/server.js',
      args: [],
      name: undefined,
      env: { N: '2', DEBUG: 'false' },
      watch: false,
      watchIgnore: [],
      options: { processes: 3 },
    });
  });

  it('suggests the option a misspelled key meant, and refuses wrong shapes', () => {
    expect(() => file({ script: 'a.js', proceses: 2 })).toThrow(
      /has no option 'proceses'. Did you mean 'processes'\?/,
    );
    expect(() => file({ scirpt: 'a.js' })).toThrow(/Did you mean 'script'\?/);
    expect(() => file([])).toThrow(/one object/);
    expect(() => file({ processes: 2 })).toThrow(/"script"/);
    expect(() => file({ script: 'a.js', args: 'x' })).toThrow(/"args"/);
    expect(() => file({ script: 'a.js', env: { A: {} } })).toThrow(/env.A/);
    expect(() => file({ script: 'a.js', name: 'a b' })).toThrow(/name must be/);
  });
});

describe('startPlan', () => {
  const env = { HOME: '/home/me', A: 'lb' };

  it('runs the command line alone with its defaults, named after the script', () => {
    const plan = startPlan(start('app.js', '--env', 'A=cli', '--', '--x'), undefined, '/work', env);
    expect(plan).toEqual({
      args: ['/work/app.js', '--x'],
      config: { basePort: 0, enableLoadBalancer: true, loadBalancerPort: 3000 },
      name: 'app',
      env: { HOME: '/home/me', A: 'cli' },
      watch: undefined,
    });
  });

  it('takes the file over the defaults and flags over the file', () => {
    const config = file({
      script: 'server.js',
      name: 'api',
      loadBalancerPort: 4000,
      processes: 3,
      env: { A: 'file', B: 'file' },
      watch: true,
      watchIgnore: ['logs'],
    });
    const plan = startPlan(start('-i', '5', '--env', 'B=cli', '--watch-ignore', 'tmp'), config, '/work', env);
    expect(plan).toMatchObject({
      args: ['/srv/api/server.js'],
      config: { basePort: 0, enableLoadBalancer: true, loadBalancerPort: 4000, processes: 5 },
      name: 'api',
      env: { A: 'file', B: 'cli' },
      watch: { root: '/srv/api', ignore: ['logs', 'tmp'] },
    });
    expect(startPlan(start('--name', 'x', '-p', '5000'), config, '/work', env)).toMatchObject({
      name: 'x',
      config: { loadBalancerPort: 5000 },
    });
  });

  it('keeps a file in shared-port mode there, with --port as the shared port', () => {
    const shared = file({ script: 'server.js', sharedPort: 8080 });
    expect(startPlan(start(), shared, '/work', env).config).toEqual({
      basePort: 0,
      enableLoadBalancer: false,
      sharedPort: 8080,
    });
    expect(startPlan(start('--port', '9000'), shared, '/work', env).config).toMatchObject({
      sharedPort: 9000,
    });
  });

  it('needs an app from somewhere', () => {
    expect(() => startPlan(start(), undefined, '/work', env)).toThrow(/lb init/);
  });
});
