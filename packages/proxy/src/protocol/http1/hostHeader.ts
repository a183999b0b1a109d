/** The `Host` value naming a backend: an IPv6 address goes in brackets (RFC 9110 §7.2, RFC 3986 §3.2.2). */
export function hostHeader(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
