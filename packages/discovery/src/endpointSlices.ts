import type { DiscoveredBackend } from '@lb/core';
import { discoveredBackendId } from '@lb/core';

/** An endpoint of a `discovery.k8s.io/v1` EndpointSlice, the fields this package reads. */
export interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly conditions?: {
    readonly ready?: boolean;
    readonly serving?: boolean;
    readonly terminating?: boolean;
  };
  readonly nodeName?: string;
  readonly zone?: string;
}

/** A `discovery.k8s.io/v1` EndpointSlice, the fields this package reads. */
export interface EndpointSlice {
  readonly metadata: { readonly name: string; readonly resourceVersion?: string };
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly endpoints?: readonly SliceEndpoint[] | null;
  readonly ports?:
    | readonly { readonly name?: string; readonly port?: number; readonly protocol?: string }[]
    | null;
}

/**
 * The port of `slice` for `port`: a number is the endpoints' port as is; a name is looked up in this slice's
 * own ports, because the same named port may map to a different number in each slice (pods of two versions).
 * `undefined` when the slice does not carry that port.
 */
function slicePort(slice: EndpointSlice, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return slice.ports?.find((p) => (p.name ?? '') === port)?.port ?? undefined;
}

/**
 * Merges every EndpointSlice of a Service into one deduplicated backend list. Endpoints that are `ready` serve;
 * when none is, the ones still `serving` while `terminating` do (KEP-1669), so a Service whose pods are all
 * shutting down keeps answering until they are gone. Conditions left out count as the API documents: `ready`
 * and `serving` true, `terminating` false. Only the first address of an endpoint is used (the others are the
 * same pod); FQDN slices are skipped.
 */
export function slicesToBackends(
  slices: Iterable<EndpointSlice>,
  port: number | string,
): DiscoveredBackend[] {
  const byId = new Map<string, DiscoveredBackend>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const number = slicePort(slice, port);
    if (number === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const host = endpoint.addresses[0];
      if (host === undefined) continue;
      const backend: DiscoveredBackend = {
        host,
        port: number,
        ready: endpoint.conditions?.ready ?? true,
        serving: endpoint.conditions?.serving ?? true,
        terminating: endpoint.conditions?.terminating ?? false,
        ...(endpoint.zone === undefined ? {} : { zone: endpoint.zone }),
        ...(endpoint.nodeName === undefined ? {} : { nodeName: endpoint.nodeName }),
      };
      const id = discoveredBackendId(backend);
      // An endpoint moving between slices shows in both for a moment; the ready copy wins.
      const seen = byId.get(id);
      if (seen === undefined || (!seen.ready && backend.ready)) byId.set(id, backend);
    }
  }
  const all = [...byId.values()];
  const ready = all.filter((b) => b.ready);
  return ready.length > 0 ? ready : all.filter((b) => b.serving && b.terminating);
}
