/** Lower-case tchar (RFC 9110 §5.6.2); an upper-case letter in an HTTP/2 name is malformed (§8.2.1). */
const nameChar = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") nameChar[c.charCodeAt(0)] = 1;

/** A field name RFC 9113 §8.2.1 allows: a lower-case token. */
export function isName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) if (nameChar[name.charCodeAt(i)] !== 1) return false;
  return true;
}

/**
 * A field value RFC 9113 §8.2.1 allows: no NUL, CR or LF anywhere, and no leading or trailing space or tab.
 * Other controls are refused too, as the HTTP/1.1 parser refuses them: the value may be forwarded on an HTTP/1.1
 * connection.
 */
export function isValue(value: string): boolean {
  const last = value.length - 1;
  if (last >= 0) {
    const first = value.charCodeAt(0);
    const end = value.charCodeAt(last);
    if (first === 32 || first === 9 || end === 32 || end === 9) return false;
  }
  for (let i = 0; i <= last; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/**
 * A field whose name and value pass {@link isName} and {@link isValue} (a pseudo-header's name is left to the
 * rules on pseudo-headers): what the HPACK decoder checks once per field and remembers with its table entry.
 */
export function wellFormedField(name: string, value: string): boolean {
  return (name.charCodeAt(0) === 0x3a || isName(name)) && isValue(value);
}

/** Connection-specific fields (RFC 9113 §8.2.2): malformed in any HTTP/2 message, whichever side sends it. */
export const connectionSpecificFields: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);
