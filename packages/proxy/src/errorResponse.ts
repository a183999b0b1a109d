import type { ServerResponse } from 'node:http';

/**
 * Answers a request the balancer could not forward with a short plain-text body, and returns the status for
 * accounting. When the response has already begun, the only honest signal left is to cut the connection.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  close = false,
): number {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return status;
  }
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
  return status;
}
