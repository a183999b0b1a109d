import { readFile } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LbError } from '@lb/core';

/** Where the API server is and how to prove who we are: the files a pod's service account mounts. */
export interface ApiTarget {
  /** `https://host:port`; `http:` only for tests and `kubectl proxy`. */
  readonly url: URL;
  /** The bound service-account token, re-read for every request because the kubelet rotates it. */
  readonly tokenPath: string;
  /** The cluster CA that signed the API server's certificate. */
  readonly caPath: string;
}

/** A response other than 200 from the API server. */
export class ApiStatusError extends LbError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('LB_ERR_DISCOVERY_FAILED', message);
  }
}

/** An open GET: the response, and the request to destroy to end it early. */
export interface OpenResponse {
  readonly req: ClientRequest;
  readonly res: IncomingMessage;
}

/**
 * Sends `GET path` with the current token and resolves once the response headers arrive. A status other than
 * 200 rejects with {@link ApiStatusError} after reading the `Status` body for its message. `idleMs` ends a
 * request on which nothing arrives for that long.
 */
export async function openGet(target: ApiTarget, path: string, idleMs: number): Promise<OpenResponse> {
  const token = (await readFile(target.tokenPath, 'utf8')).trim();
  const https = target.url.protocol === 'https:';
  const ca = https ? await readFile(target.caPath) : undefined;
  const url = new URL(path, target.url);
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      if (res.statusCode === 200) {
        resolve({ req, res });
        return;
      }
      readBody(res).then(
        (body) => reject(new ApiStatusError(res.statusCode ?? 0, `${res.statusCode} ${statusMessage(body)}`)),
        reject,
      );
    };
    const req = https
      ? httpsRequest(url, { headers, ca }, onResponse)
      : httpRequest(url, { headers }, onResponse);
    req.setTimeout(idleMs, () =>
      req.destroy(new LbError('LB_ERR_DISCOVERY_FAILED', `no data from the API server for ${idleMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The whole body as text. */
export async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk as string;
  return body;
}

/** The `message` of a Kubernetes `Status` body, or the body itself. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // Not a Status object: a proxy's error page, say.
  }
  return body.slice(0, 200);
}
