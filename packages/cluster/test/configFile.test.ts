import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, fixture, get } from './helpers.js';
import { runLb, spawnLb, tempDir } from './lbSpawn.js';

afterEach(cleanUp);

describe('lb config file', () => {
  it('lb start with no app reads lb.config.json here: script, name, env and ClusterConfig options', async () => {
    const dir = tempDir();
    const env = { XDG_RUNTIME_DIR: tempDir() };
    copyFileSync(fixture('app.mjs'), join(dir, 'server.mjs'));
    writeFileSync(
      join(dir, 'lb.config.json'),
      JSON.stringify({
        script: 'server.mjs',
        name: 'fromfile',
        processes: 1,
        loadBalancerPort: 0,
        loadBalancerHost: '127.0.0.1',
        env: { FIXTURE_GREETING: 'from the file' },
      }),
    );
    const lb = spawnLb(['start', '--env', 'NODE_ENV=test'], env, dir);
    const port = Number((await lb.waitFor(/1 workers ready on [^ ]+:(\d+)/))[1]);
    await lb.waitFor(/control: .* --name fromfile\n/);
    const workerEnv = JSON.parse((await get(port, '/env')).body) as Record<string, string>;
    expect(workerEnv).toMatchObject({ FIXTURE_GREETING: 'from the file', NODE_APP_INSTANCE: '0' });
    const status = await runLb(['status', '--json', '--name', 'fromfile'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'fromfile', workers: [{ id: 0 }] });
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(0);
  }, 30_000);

  it('refuses a misspelled option with a suggestion, and a missing --config file, with exit code 2', async () => {
    const dir = tempDir();
    const env = { XDG_RUNTIME_DIR: tempDir() };
    writeFileSync(join(dir, 'lb.config.json'), JSON.stringify({ script: 'app.js', proceses: 2 }));
    const typo = await runLb(['start'], env, dir);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("has no option 'proceses'. Did you mean 'processes'?");
    writeFileSync(join(dir, 'lb.config.json'), JSON.stringify({ script: 'app.js', drainDelays: 5000 }));
    expect((await runLb(['start'], env, dir)).stderr).toContain("Did you mean 'drainDelay'?");
    writeFileSync(join(dir, 'lb.config.json'), JSON.stringify({ script: 'app.js', drainDelay: -5 }));
    const negative = await runLb(['start'], env, dir);
    expect(negative.status).toBe(2);
    expect(negative.stderr).toContain('drainDelay must be a finite number of at least 0');
    const missing = await runLb(['start', '--config', 'nope.mjs'], env, dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--config nope.mjs: no such file');
    const none = await runLb(['start'], env, tempDir());
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('lb init');
  });

  it('lb init writes a commented lb.config.mjs that lb start runs, and will not overwrite it', async () => {
    const dir = tempDir('lb-init-');
    const env = { XDG_RUNTIME_DIR: tempDir() };
    copyFileSync(fixture('app.mjs'), join(dir, 'app.mjs'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@acme/shop', main: 'app.mjs' }));
    const init = await runLb(['init'], env, dir);
    expect(init.status).toBe(0);
    const text = readFileSync(join(dir, 'lb.config.mjs'), 'utf8');
    expect(text).toContain('script: "app.mjs"');
    expect(text).toContain('name: "shop"');
    expect(text).toMatch(/^\/\/ lb.config.mjs/);
    const again = await runLb(['init'], env, dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--force');

    const lb = spawnLb(['start', '-i', '1', '--port', '0', '--host', '127.0.0.1'], env, dir);
    const port = Number((await lb.waitFor(/1 workers ready on [^ ]+:(\d+)/))[1]);
    expect(JSON.parse((await get(port, '/env')).body)).toMatchObject({ LB_PROCESS_ID: '0' });
    await lb.waitFor(/control: .* --name shop\n/);
    lb.child.kill('SIGTERM');
    expect(await lb.exited).toBe(0);
  }, 30_000);
});
