import type { AdminServer } from '../adminServer.js';
import { dashboardPage } from './dashboardPage.js';

/**
 * Serves the {@link dashboardPage} at `path` of an admin server. The page fetches `status` relative to its
 * own URL, so keep `path` in the same directory as `/status` (the default `/` is).
 *
 * @example
 * ```ts
 * registerDashboard(new AdminServer(balancer, { port: 9090 }));
 * // open http://127.0.0.1:9090/
 * ```
 */
export function registerDashboard(admin: AdminServer, path = '/'): AdminServer {
  const body = Buffer.from(dashboardPage);
  return admin.route(path, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-store',
      // The page needs nothing from anywhere else: forbid it, so the admin port cannot be used to load foreign code.
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
    });
    res.end(body);
  });
}
