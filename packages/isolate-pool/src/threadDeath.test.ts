import { describe, expect, it } from 'vitest';
import type { Definition } from './protocol.js';
import { Task } from './task.js';
import { deathError } from './threadDeath.js';

const def: Definition = { id: 0, kind: 'module', href: 'file:///tasks.js', name: 'default' };
const task = (transfer?: ArrayBuffer[]) =>
  new Task(
    def,
    null,
    transfer,
    false,
    () => {},
    () => {},
    0,
  );
const reason = new Error('exited with code 1');

describe('deathError', () => {
  it('re-runs a task that never started, unless its transferred buffers died with the thread', () => {
    expect(deathError(task(), { started: false, finished: false }, reason)).toBeUndefined();
    expect(deathError(task([new ArrayBuffer(1)]), { started: false, finished: false }, reason)).toMatchObject(
      {
        code: 'LB_ERR_WORKER_CRASHED',
        message: expect.stringMatching(/before it started/),
      },
    );
  });

  it('tells a task that did not finish from one whose finished result was stranded', () => {
    expect(deathError(task(), { started: true, finished: false }, reason)).toMatchObject({
      code: 'LB_ERR_WORKER_CRASHED',
      cause: reason,
    });
    expect(deathError(task(), { started: true, finished: true }, reason)).toMatchObject({
      code: 'LB_ERR_RESULT_LOST',
      cause: reason,
    });
  });
});
