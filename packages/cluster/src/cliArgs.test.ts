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
    expect(parse('start', 'app.js', '-i', 'max', '--port', '3000', '--strategy', 'leastConnections')).toEqual(
      {
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
      },
    );
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
    expect(failure('start')).toMatch(/needs the app/);
    expect(failure('start', 'app.js', '--bogus', '1')).toMatch(/unknown option "--bogus"/);
    expect(failure('start', 'app.js', '--port')).toMatch(/--port needs a value/);
    expect(failure('start', 'app.js', '--port', 'abc')).toMatch(/--port expects an integer from 0 to 65535/);
    expect(failure('start', 'app.js', '--port', '70000')).toMatch(/70000/);
    expect(failure('start', 'app.js', '--strategy', 'fastest')).toMatch(/roundRobin.*"fastest"/);
    expect(failure('start', 'app.js', '--log-format', 'xml')).toMatch(/prefix, json, inherit/);
    expect(failure('start', 'a.js', 'b.js')).toMatch(/after --/);
    expect(failure('start', 'app.js', '--shared-port', '--strategy', 'random')).toMatch(/needs the balancer/);
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
