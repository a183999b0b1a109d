import { FieldTable } from './fieldTable.js';
import { listElements } from './hopByHop.js';

/** How a message's body is delimited, from its framing fields (RFC 9112 §6). */
export type BodyFramingResult =
  | { readonly kind: 'chunked' }
  | { readonly kind: 'length'; readonly length: number }
  /** No framing field: an empty request body, or a response read until the connection closes. */
  | { readonly kind: 'unframed' }
  /**
   * Framing that cannot be trusted. `unsupportedCoding` marks a well-formed `chunked` coding beside another one
   * (a request gets 501 for it rather than 400).
   */
  | { readonly kind: 'invalid'; readonly reason: string; readonly unsupportedCoding: boolean };

const contentLength = /^\d{1,15}$/;

/** The two framing fields. */
const framingFields = new FieldTable<'te' | 'cl'>([
  ['transfer-encoding', 'te'],
  ['content-length', 'cl'],
]);

const invalid = (reason: string, unsupportedCoding = false): BodyFramingResult => ({
  kind: 'invalid',
  reason,
  unsupportedCoding,
});

/**
 * The one Transfer-Encoding / Content-Length routine for requests and responses, as strict as the framing
 * vectors ask: `Transfer-Encoding` only on HTTP/1.1 and only as a single `chunked` (repeated fields count as one
 * list), never beside `Content-Length`; one `Content-Length` of at most 15 digits. The status-specific rules
 * (HEAD, 1xx, 204, 304) belong to the caller.
 */
export function bodyFraming(httpVersion: '1.0' | '1.1', rawHeaders: readonly string[]): BodyFramingResult {
  let codings: string[] | undefined;
  let lengthValue: string | undefined;
  let lengthCount = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const field = framingFields.get(rawHeaders[i]!);
    if (field === 'te') {
      codings ??= [];
      codings.push(...listElements(rawHeaders[i + 1]!));
    } else if (field === 'cl') {
      lengthCount++;
      lengthValue = rawHeaders[i + 1]!;
    }
  }
  if (codings !== undefined) {
    if (httpVersion !== '1.1') return invalid('Transfer-Encoding in HTTP/1.0');
    if (lengthCount > 0) return invalid('Content-Length with Transfer-Encoding');
    if (codings.length !== 1 || codings[0] !== 'chunked') {
      const oneChunked = codings.filter((c) => c === 'chunked').length === 1;
      return invalid(`unsupported Transfer-Encoding ${codings.join(', ')}`, oneChunked);
    }
    return { kind: 'chunked' };
  }
  if (lengthCount > 1) return invalid('repeated Content-Length');
  if (lengthValue === undefined) return { kind: 'unframed' };
  if (!contentLength.test(lengthValue)) return invalid('invalid Content-Length');
  return { kind: 'length', length: Number(lengthValue) };
}
