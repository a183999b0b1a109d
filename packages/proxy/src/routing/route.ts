/** What a request must look like for a route to take it; every field given must match. */
export interface RouteMatch {
  /** Host names, without port: exact (`api.example.com`) or a wildcard for any subdomain (`*.example.com`). */
  readonly host?: string | readonly string[];
  /** The whole normalised path (`/health`). */
  readonly path?: string;
  /**
   * A normalised path prefix, matched on segment boundaries: `/api` takes `/api` and `/api/users`, not
   * `/apiary`; a prefix ending in `/` is a plain prefix.
   */
  readonly pathPrefix?: string;
  /** Request methods (`GET`, or a list). */
  readonly method?: string | readonly string[];
  /** Header values by name: a value, a list of values, or `true` for "present". Names are case-insensitive. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | true>>;
}

/**
 * A route: requests that `match` go to `group`, or are split across `groups` by weight (a canary:
 * `{ stable: 95, canary: 5 }`). A route without `match` takes every request: the default.
 */
export interface Route {
  /**
   * What the access log calls the route (`route` field): letters, digits, `_`, `.`, `-` or `:`, at most 64, unique
   * among the routes. @default the route's index in the list, as a string (`'0'`, `'1'`, …)
   */
  readonly name?: string;
  readonly match?: RouteMatch;
  readonly group?: string;
  readonly groups?: Readonly<Record<string, number>>;
}

/** What a route looks at in a request. */
export interface RoutedRequest {
  readonly method: string;
  /** The `Host` value, port included or not, any case. */
  readonly host: string | undefined;
  /** The normalised path (see `normalizePath`). */
  readonly path: string;
  /** A header's value by lower-case name. */
  header(name: string): string | readonly string[] | undefined;
}

/** The route that took a request (its `name`, else its index) and the group it chose. */
export interface RouteHit {
  readonly route: string;
  readonly group: string;
}
