/**
 * Request fields by lower-case name, as strategies and routes read them: repeated fields joined with `, `
 * (`; ` for `Cookie`), `Set-Cookie` kept as a list.
 */
export function fieldsByName(raw: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const seen = headers[name];
    if (name === 'set-cookie') headers[name] = Array.isArray(seen) ? [...seen, value] : [value];
    else if (seen === undefined) headers[name] = value;
    else headers[name] = `${seen as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}
