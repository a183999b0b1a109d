/** How many upper-case names {@link lowerCaseName} remembers: the forwarding fields, and what clients repeat. */
const REMEMBERED = 64;
const remembered = new Map<string, string>();

/**
 * A field name in lower case, as HTTP/2 writes names. Most names already are (everything an HTTP/2 peer sent):
 * those come back as they are after one scan, where `toLowerCase` would cost a call and a new string each time.
 * Names with upper case (the balancer's own `X-Forwarded-*`, an HTTP/1.1 client's `User-Agent`) are remembered,
 * up to a bound a client cannot push past.
 */
export function lowerCaseName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return lowered(name);
  }
  return name;
}

function lowered(name: string): string {
  const known = remembered.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  if (remembered.size < REMEMBERED) remembered.set(name, lower);
  return lower;
}
