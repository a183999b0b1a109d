/** What one line of the access log says about one request (HTTP) or connection (TCP mode). */
export interface AccessLogEntry {
  /** When the request arrived, in ms since the epoch. */
  readonly time: number;
  /** The client address after the trust rules (`trustProxy`, PROXY protocol). */
  readonly client: string;
  /** `HTTP/1.1`, `HTTP/1.0` or `TCP`; empty for a request refused before its request line was read whole. */
  readonly protocol: string;
  /** Empty for a TCP connection. */
  readonly method: string;
  /** Empty for a TCP connection. */
  readonly target: string;
  /** What the client got; 499 when it went away first; 0 for a TCP connection. */
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly route: string | undefined;
  readonly group: string | undefined;
  readonly backend: string | undefined;
  /** Ms to get a backend connection, when one was used. */
  readonly connectMs: number | undefined;
  /** Ms from sending the request to the response head. */
  readonly responseMs: number | undefined;
  readonly totalMs: number;
  readonly retries: number;
  /** The `grpc-status` a gRPC call's client was sent; absent for other requests and calls cut short. */
  readonly grpcStatus?: number;
  readonly traceId: string | undefined;
  readonly requestId: string | undefined;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
}
