import { LbError } from '@lb/core';
import type { OnResponseHook, RequestHookContext, ResponseHookContext } from '../options/requestHooks.js';
import { fieldValue, isGrpcContentType } from '../protocol/grpc/grpcRequest.js';
import { headerList } from './headerList.js';

/** A direct answer set by an `onRequest` hook. */
export interface HookAnswer {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: string;
}

/**
 * Whether a hook answered in gRPC's own terms, a trailers-only answer (a gRPC `content-type` and a
 * `grpc-status`), so it is relayed as it stands; a gRPC type without a status would reach the client as a call
 * that never ends properly.
 */
export function isGrpcAnswer(answer: HookAnswer): boolean {
  const type = fieldValue(answer.headers, 'content-type');
  return (
    type !== undefined && isGrpcContentType(type) && fieldValue(answer.headers, 'grpc-status') !== undefined
  );
}

const framing = new Set(['content-length', 'transfer-encoding']);

/**
 * One request's run of the user's hooks: the context `onRequest` edits (over the forwarded header list itself,
 * so its edits cost no copy), and the `onResponse` call with the same context. Only built when a hook is set.
 */
export class RequestHookRun implements RequestHookContext {
  answer: HookAnswer | undefined = undefined;

  constructor(
    readonly method: string,
    public path: string,
    readonly clientAddress: string,
    public group: string | undefined,
    private readonly headers: string[],
    private readonly onResponse: OnResponseHook | undefined,
    private readonly reportError: (error: Error) => void,
  ) {}

  header(name: string): string | undefined {
    return headerList.get(this.headers, name);
  }

  setHeader(name: string, value: string): void {
    headerList.set(this.headers, name, value);
  }

  removeHeader(name: string): void {
    headerList.remove(this.headers, name);
  }

  respond(status: number, headers: Readonly<Record<string, string>> = {}, body = ''): void {
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new LbError('LB_ERR_HOOK', `respond() needs a final status (200-599), got ${status}`);
    }
    const list: string[] = [];
    // The balancer frames the body itself; a hook's own length or encoding would contradict it.
    for (const [name, value] of Object.entries(headers))
      if (!framing.has(name.toLowerCase())) headerList.set(list, name, value);
    this.answer = { status, headers: list, body };
  }

  /**
   * Lets `onResponse` edit a response head (the flat header list is changed in place); returns the status to
   * send, or `undefined` when the hook threw, which is reported as an `error` event.
   */
  response(status: number, headers: string[]): number | undefined {
    if (this.onResponse === undefined) return status;
    const response: ResponseHookContext = {
      status,
      header: (name) => headerList.get(headers, name),
      setHeader: (name, value) => {
        if (framing.has(name.toLowerCase()))
          throw new LbError('LB_ERR_HOOK', `${name} frames the body and cannot be set`);
        headerList.set(headers, name, value);
      },
      removeHeader: (name) => {
        if (framing.has(name.toLowerCase()))
          throw new LbError('LB_ERR_HOOK', `${name} frames the body and cannot be removed`);
        headerList.remove(headers, name);
      },
    };
    try {
      this.onResponse(this, response);
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
      return undefined;
    }
    const final = response.status;
    if (!Number.isInteger(final) || final < 200 || final > 599) {
      this.reportError(new LbError('LB_ERR_HOOK', `onResponse set the status ${final}; it must be 200-599`));
      return undefined;
    }
    return final;
  }
}
