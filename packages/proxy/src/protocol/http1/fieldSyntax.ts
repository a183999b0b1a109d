/** Raised for a message the balancer will not interpret; the connection it came on cannot be trusted again. */
export class HttpParseError extends Error {}

/**
 * The tchar set of RFC 9110 §5.6.2 as a table: names are checked with a loop over char codes, which in the
 * profile cost a fraction of one regular-expression test per field.
 */
const tchar = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  tchar[c.charCodeAt(0)] = 1;

/** Whether `text[from, to)` is a non-empty token. */
export function isToken(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (tchar[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Text decoded as latin1 never holds a code above 0xff, so only the controls and DEL need excluding. */
export function isFieldValue(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Parses CRLF-separated field lines into a flat `[name, value, …]` list. Strict: a bare CR or LF, obs-fold (a
 * line starting with whitespace), whitespace before the colon, an invalid name or a control character in a value
 * is an {@link HttpParseError}, never a guess (RFC 9112 §5).
 *
 * One pass over each line's characters: the name's tchars up to the colon, then the value up to its CR. Any
 * character that breaks the grammar sends the line to {@link fieldLineError}, which finds what is wrong with it;
 * the common case pays no second scan. The lines start at `from` (after a start line), so the caller need not
 * slice the head.
 */
export function parseFieldLines(text: string, from = 0): string[] {
  const out: string[] = [];
  const length = text.length;
  let start = from;
  while (start < length) {
    let at = start;
    while (at < length && tchar[text.charCodeAt(at)] === 1) at++;
    if (at === start || at === length || text.charCodeAt(at) !== 0x3a) throw fieldLineError(text, start);
    const colon = at++;
    while (at < length && isBlank(text.charCodeAt(at))) at++;
    const valueStart = at;
    let to = valueStart;
    for (; at < length; at++) {
      const c = text.charCodeAt(at);
      if (c === 0x0d) break;
      if ((c < 0x20 && c !== 9) || c === 0x7f) throw fieldLineError(text, start);
      if (c !== 0x20 && c !== 9) to = at + 1;
    }
    if (at < length && text.charCodeAt(at + 1) !== 0x0a) throw fieldLineError(text, start);
    out.push(text.slice(start, colon), text.slice(valueStart, to));
    start = at + 2;
  }
  return out;
}

/** What is wrong with the field line at `start`, which {@link parseFieldLines} refused. */
function fieldLineError(text: string, start: number): HttpParseError {
  let end = text.indexOf('\r\n', start);
  if (end === -1) end = text.length;
  const colon = text.indexOf(':', start);
  const cr = text.indexOf('\r', start);
  const lf = text.indexOf('\n', start);
  if ((cr !== -1 && cr < end) || (lf !== -1 && lf < end))
    return new HttpParseError('bare CR or LF in a header');
  if (colon <= start || colon > end) return new HttpParseError('header line without a name');
  if (!isToken(text, start, colon))
    return new HttpParseError(
      `invalid header name ${JSON.stringify(text.slice(start, Math.min(colon, start + 64)))}`,
    );
  return new HttpParseError(`invalid value in ${text.slice(start, colon)}`);
}

/** Whether a partial line holds an LF not preceded by CR: waiting for a CRLF after it would wait forever. */
export function hasBareLf(data: Buffer): boolean {
  let at = data.indexOf(10);
  while (at !== -1) {
    if (at === 0 || data[at - 1] !== 13) return true;
    at = data.indexOf(10, at + 1);
  }
  return false;
}
