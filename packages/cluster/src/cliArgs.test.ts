import { describe, expect, it } from 'vitest';
import { type CliCommand, parseCliArgs, parseInstances, parseSize } from './cliArgs.js';

const parse = (...argv: string[]): CliCommand => parseCliArgs(argv, { cpus: 8 });
const failure = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('LB_ERR_INVALID_CLI_ARGUMENT');
    return (err as Error).message;
  }
  throw new Error('expected a failure');
};

describe('parseCliArgs', () => {
  it('parses the issue example', () => {
    expect(
      parse('start', 'app.js', '-i', 'max', '--port', '3000', '--strategy', 'leastConnections'),
    ).toMatchObject({
      command: 'start',
      script: 'app.js',
      scriptArgs: [],
      config: {
        basePort: 0,
        enableLoadBalancer: true,
        loadBalancerPort: 3000,
        processes: 8,
        strategy: 'leastConnections',
      },
    });
  });

  it('accepts --flag=value, defaults the port to 3000 and passes arguments after --', () => {
    const parsed = parse('start', '--instances=2', 'app.js', '--', '--app-flag', 'x');
    expect(parsed).toMatchObject({ script: 'app.js', scriptArgs: ['--app-flag', 'x'] });
    expect(parsed.command === 'start' && parsed.config).toMatchObject({
      processes: 2,
      loadBalancerPort: 3000,
    });
  });

  it('maps every option', () => {
    const parsed = parse(
      'start',
      'app.js',
      '--host',
      '127.0.0.1',
      '--readiness',
      'signal',
      '--readiness-timeout',
      '500',
      '--shutdown-timeout',
      '0',
      '--max-restarts',
      '3',
      '--max-memory',
      '512M',
      '--log-format',
      'json',
      '--admin-port',
      '9000',
      '--admin-host',
      '0.0.0.0',
      '--drain-delay',
      '5000',
    );
    expect(parsed.command === 'start' && parsed.config).toMatchObject({
      loadBalancerHost: '127.0.0.1',
      readiness: 'signal',
      readinessTimeout: 500,
      shutdownTimeout: 0,
      maxRestarts: 3,
      maxMemory: 512 * 1024 * 1024,
      logFormat: 'json',
      adminPort: 9000,
      adminHost: '0.0.0.0',
      drainDelay: 5000,
    });
  });

  it('turns --no-exit-when-all-given-up into exitWhenAllGivenUp: false, and leaves the default otherwise', () => {
    const off = parse('start', 'app.js', '--no-exit-when-all-given-up');
    expect(off.command === 'start' && off.config.exitWhenAllGivenUp).toBe(false);
    const plain = parse('start', 'app.js');
    expect(plain.command === 'start' && plain.config).not.toHaveProperty('exitWhenAllGivenUp');
    expect(failure('start', 'app.js', '--no-exit-when-all-given-up=1')).toMatch(/takes no value/);
  });

  it('turns --shared-port into shared-port mode on --port', () => {
    const parsed = parse('start', 'app.js', '--shared-port', '-p', '8080');
    expect(parsed.command === 'start' && parsed.config).toMatchObject({
      enableLoadBalancer: false,
      sharedPort: 8080,
    });
    expect(parsed.command === 'start' && parsed.config.loadBalancerPort).toBeUndefined();
  });

  it('answers help and version', () => {
    expect(parse()).toEqual({ command: 'help' });
    expect(parse('--help')).toEqual({ command: 'help' });
    expect(parse('start', 'app.js', '-h')).toEqual({ command: 'help' });
    expect(parse('--version')).toEqual({ command: 'version' });
  });

  it('rejects bad input with messages that say what to change', () => {
    expect(failure('run', 'app.js')).toMatch(/unknown command "run"/);
    expect(parse('start')).toMatchObject({ command: 'start', script: undefined });
    expect(failure('start', 'app.js', '--bogus', '1')).toMatch(/unknown option "--bogus"/);
    expect(failure('start', 'app.js', '--port')).toMatch(/--port needs a value/);
    expect(failure('start', 'app.js', '--port', 'abc')).toMatch(/--port expects an integer from 0 to 65535/);
    expect(failure('start', 'app.js', '--port', '70000')).toMatch(/70000/);
    expect(failure('start', 'app.js', '--strategy', 'fastest')).toMatch(/roundRobin.*"fastest"/);
    expect(failure('start', 'app.js', '--log-format', 'xml')).toMatch(/prefix, json, inherit/);
    expect(failure('start', 'a.js', 'b.js')).toMatch(/after --/);
    expect(failure('start', 'app.js', '--drain-delay', '-1')).toMatch(
      /--drain-delay expects an integer from 0 to 2147483647, got "-1"/,
    );
    expect(failure('start', 'app.js', '--drain-delay', '5s')).toMatch(/"5s"/);
    expect(failure('start', 'app.js', '--shared-port', '--strategy', 'random')).toMatch(/needs the balancer/);
  });
});

describe('parseCliArgs: names, environment, config file, watch', () => {
  it('reads --name, repeated --env (last wins), --config and --watch, and remembers which options were given', () => {
    const parsed = parse(
      'start',
      '--name',
      'api',
      '--env',
      'A=1',
      '--env=B=x=y',
      '--env',
      'A=2',
      '--config',
      'prod.json',
      '--watch',
      '-i',
      '2',
    );
    expect(parsed).toMatchObject({
      command: 'start',
      script: undefined,
      name: 'api',
      env: { A: '2', B: 'x=y' },
      configFile: 'prod.json',
      watch: true,
    });
    expect(parsed.command === 'start' && [...parsed.explicit].sort()).toEqual(['processes']);
    const port = parse('start', 'app.js', '-p', '0', '--shared-port');
    expect(port.command === 'start' && [...port.explicit].sort()).toEqual([
      'enableLoadBalancer',
      'sharedPort',
    ]);
  });

  it('refuses malformed names and assignments', () => {
    expect(failure('start', 'app.js', '--env', 'NOVALUE')).toMatch(/KEY=VALUE/);
    expect(failure('start', 'app.js', '--env', '1X=2')).toMatch(/KEY=VALUE/);
    expect(() => parse('start', 'app.js', '--name', '../etc')).toThrow(/--name must be 1 to 64/);
    expect(failure('start', 'app.js', '--watch=yes')).toMatch(/--watch takes no value/);
  });

  it('parses the control commands, PM2 style positionals included', () => {
    expect(parse('status', '--json')).toEqual({ command: 'status', name: undefined, json: true });
    expect(parse('ls', 'api')).toEqual({ command: 'status', name: 'api', json: false });
    expect(parse('logs', 'api', '-f', '--lines', '20')).toEqual({
      command: 'logs',
      name: 'api',
      lines: 20,
      follow: true,
    });
    expect(parse('reload', '--name=api')).toEqual({ command: 'reload', name: 'api' });
    expect(parse('stop')).toEqual({ command: 'stop', name: undefined });
    expect(parse('scale', '4')).toEqual({ command: 'scale', name: undefined, processes: 4 });
    expect(parse('scale', 'api', '4')).toEqual({ command: 'scale', name: 'api', processes: 4 });
    expect(parse('init', 'server.js', '--force')).toEqual({
      command: 'init',
      script: 'server.js',
      force: true,
    });
    expect(failure('scale')).toMatch(/lb scale 4/);
    expect(failure('scale', '0')).toMatch(/from 1 to 1024/);
    expect(failure('status', '--follow')).toMatch(/unknown option "--follow" for status/);
    expect(failure('logs', '--lines', '5000')).toMatch(/from 0 to 1000/);
    expect(failure('stop', 'a', 'b')).toMatch(/unexpected argument "b"/);
  });
});

describe('parseInstances', () => {
  it('understands max, counts and negative offsets', () => {
    expect(parseInstances('max', 4)).toBe(4);
    expect(parseInstances('0', 4)).toBe(4);
    expect(parseInstances('3', 4)).toBe(3);
    expect(parseInstances('-1', 4)).toBe(3);
    expect(parseInstances('-9', 4)).toBe(1);
    expect(() => parseInstances('many', 4)).toThrow(/--instances/);
  });
});

describe('parseSize', () => {
  it('reads bytes with K, M, G suffixes', () => {
    expect(parseSize('1024')).toBe(1024);
    expect(parseSize('300k')).toBe(300 * 1024);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('64MB')).toBe(64 * 1024 ** 2);
    expect(() => parseSize('lots')).toThrow(/512M/);
    expect(() => parseSize('0')).toThrow(/--max-memory/);
  });
});
