import { existsSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { LbError } from '@lb/core';
import {
  type ControlEnvironment,
  controlAddress,
  controlDirectory,
  controlNamesIn,
} from './controlAddress.js';
import {
  type ControlRequest,
  controlLine,
  controlProtocolVersion,
  type LogEntry,
  parseControlResponse,
} from './controlProtocol.js';
import { LineSplitter } from './lineSplitter.js';
import { checkPrivateDirectory } from './privateDirectory.js';

/** A request without its protocol envelope: the client adds `v` and `id`. */
export type ControlCall =
  | { readonly cmd: 'status' | 'reload' | 'stop' }
  | { readonly cmd: 'scale'; readonly processes: number }
  | { readonly cmd: 'logs'; readonly lines: number; readonly follow: boolean };

/** The answer to a call, and (for `logs` with `follow`) a promise that settles when the stream ends. */
export interface ControlReply {
  readonly result: unknown;
  readonly ended: Promise<void>;
}

/**
 * Sends one request to the primary named `name` and resolves with its answer. Log lines that follow a `logs`
 * request with `follow` go to `onLog` until the primary stops or `ended` is abandoned. Rejects with
 * `LB_ERR_CONTROL_UNAVAILABLE` when nothing answers (within `timeout` ms, if given), or with the primary's own
 * error code.
 */
export async function controlCall(
  name: string,
  call: ControlCall,
  env: ControlEnvironment,
  onLog: (entry: LogEntry) => void = () => {},
  timeout?: number,
): Promise<ControlReply> {
  const address = controlAddress(name, env, '--name');
  // A socket in a directory someone else controls could be theirs, answering with made-up status.
  if (env.platform !== 'win32' && existsSync(dirname(address))) checkPrivateDirectory(dirname(address));
  return new Promise((resolve, reject) => {
    const socket = createConnection(address);
    const splitter = new LineSplitter(16 * 1024 * 1024);
    let answered = false;
    let endStream: () => void = () => {};
    const ended = new Promise<void>((resolveEnded) => {
      endStream = resolveEnded;
    });
    const request: ControlRequest = { v: controlProtocolVersion, id: 1, ...call };
    // Only quick questions get a deadline: a reload or scale legitimately takes as long as workers need to start.
    if (timeout !== undefined) {
      socket.setTimeout(timeout, () => {
        if (answered) return;
        answered = true;
        socket.destroy();
        reject(
          new LbError(
            'LB_ERR_CONTROL_UNAVAILABLE',
            `The lb named "${name}" did not answer within ${timeout} ms.`,
          ),
        );
      });
    }
    socket.once('connect', () => socket.write(controlLine(request)));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return endStream();
      const missing = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      reject(
        new LbError(
          'LB_ERR_CONTROL_UNAVAILABLE',
          missing
            ? `No lb named "${name}" is running (nothing answers on ${address}).`
            : `Cannot reach the lb named "${name}" on ${address}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    socket.on('close', () => {
      endStream();
      if (!answered) {
        reject(
          new LbError(
            'LB_ERR_CONTROL_UNAVAILABLE',
            `The lb named "${name}" closed the connection without an answer.`,
          ),
        );
      }
    });
    socket.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) {
        const message = parseControlResponse(line);
        if (message === undefined) {
          socket.destroy();
          if (!answered) {
            answered = true;
            reject(
              new LbError(
                'LB_ERR_CONTROL_UNAVAILABLE',
                `The lb named "${name}" answered in a protocol this lb does not speak (version ${controlProtocolVersion}): use the same lb version.`,
              ),
            );
          }
          return;
        }
        if ('log' in message) onLog(message.log);
        else if (message.ok) {
          answered = true;
          socket.setTimeout(0);
          const following = call.cmd === 'logs' && call.follow;
          if (!following) socket.end();
          resolve({ result: message.result, ended });
        } else {
          answered = true;
          socket.end();
          reject(new LbError(message.error.code, message.error.message));
        }
      }
    });
  });
}

/** The names of the primaries of this user that have a control socket (some may have died since). */
export function runningControlNames(env: ControlEnvironment): string[] {
  try {
    const entries = readdirSync(env.platform === 'win32' ? '\\\\.\\pipe\\' : controlDirectory(env));
    return controlNamesIn(entries, env);
  } catch {
    return [];
  }
}
