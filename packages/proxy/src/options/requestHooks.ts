/** What an `onRequest` hook sees of a request and may change before it is proxied. */
export interface RequestHookContext {
  readonly method: string;
  /** The request target sent to the backend (path and query); assign to rewrite it. Routes saw the original. */
  path: string;
  /** The client address after `trustProxy`. */
  readonly clientAddress: string;
  /** The group that takes the request; assign a group's name to override the routes. */
  group: string | undefined;
  /** A request field as it will be forwarded (values of a repeated field joined by `, `); case-insensitive. */
  header(name: string): string | undefined;
  /** Replaces every field of this name in the forwarded request. */
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  /** Answers the request from the balancer (no backend is used); the body should be small. */
  respond(status: number, headers?: Readonly<Record<string, string>>, body?: string): void;
}

/** What an `onResponse` hook may change of a backend's response head before it reaches the client. */
export interface ResponseHookContext {
  status: number;
  header(name: string): string | undefined;
  /** `content-length` and `transfer-encoding` frame the body and cannot be changed: doing so throws. */
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
}

/** Runs for every request, synchronously, before a backend is picked; a throw answers 500. */
export type OnRequestHook = (ctx: RequestHookContext) => void;

/** Runs for every backend response head, synchronously; a throw answers 500 and drops the backend's answer. */
export type OnResponseHook = (ctx: RequestHookContext, response: ResponseHookContext) => void;
