/**
 * Reason phrases of the status codes the balancer itself answers with (RFC 9110 §15). A table of its own keeps
 * `node:http` out of the request path; a status not listed gets an empty reason, which HTTP/1.1 allows.
 */
const reasons: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** The reason phrase of `status`, or `''` when the balancer never sends it. */
export function reasonPhrase(status: number): string {
  return reasons[status] ?? '';
}
