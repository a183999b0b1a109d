import { describe, expect, it } from 'vitest';
import { type EndpointSlice, type SliceEndpoint, slicesToBackends } from './endpointSlices.js';

function slice(
  name: string,
  endpoints: SliceEndpoint[],
  ports = [{ name: 'http', port: 8080, protocol: 'TCP' }],
): EndpointSlice {
  return { metadata: { name }, addressType: 'IPv4', endpoints, ports };
}

const ready = { ready: true, serving: true, terminating: false };
const terminating = { ready: false, serving: true, terminating: true };

describe('slicesToBackends', () => {
  it('merges every slice and keeps zone and nodeName', () => {
    const backends = slicesToBackends(
      [
        slice('a', [{ addresses: ['10.0.0.1'], conditions: ready, zone: 'z1', nodeName: 'n1' }]),
        slice('b', [{ addresses: ['10.0.0.2'], conditions: ready }]),
      ],
      'http',
    );
    expect(backends).toEqual([
      {
        host: '10.0.0.1',
        port: 8080,
        ready: true,
        serving: true,
        terminating: false,
        zone: 'z1',
        nodeName: 'n1',
      },
      { host: '10.0.0.2', port: 8080, ready: true, serving: true, terminating: false },
    ]);
  });

  it('resolves a named port in each slice separately', () => {
    const backends = slicesToBackends(
      [
        slice(
          'old',
          [{ addresses: ['10.0.0.1'], conditions: ready }],
          [{ name: 'http', port: 8080, protocol: 'TCP' }],
        ),
        slice(
          'new',
          [{ addresses: ['10.0.0.2'], conditions: ready }],
          [{ name: 'http', port: 9090, protocol: 'TCP' }],
        ),
        slice(
          'other',
          [{ addresses: ['10.0.0.3'], conditions: ready }],
          [{ name: 'metrics', port: 9100, protocol: 'TCP' }],
        ),
      ],
      'http',
    );
    expect(backends.map((b) => `${b.host}:${b.port}`)).toEqual(['10.0.0.1:8080', '10.0.0.2:9090']);
  });

  it('takes a port number as is', () => {
    expect(slicesToBackends([slice('a', [{ addresses: ['10.0.0.1'] }])], 3000)[0]).toMatchObject({
      port: 3000,
    });
  });

  it('deduplicates an endpoint listed in two slices, preferring the ready copy', () => {
    const backends = slicesToBackends(
      [
        slice('a', [
          { addresses: ['10.0.0.1'], conditions: { ready: false, serving: false, terminating: false } },
        ]),
        slice('b', [{ addresses: ['10.0.0.1'], conditions: ready }]),
      ],
      'http',
    );
    expect(backends).toHaveLength(1);
    expect(backends[0]?.ready).toBe(true);
  });

  it('serves only ready endpoints while there are some', () => {
    const backends = slicesToBackends(
      [
        slice('a', [
          { addresses: ['10.0.0.1'], conditions: ready },
          { addresses: ['10.0.0.2'], conditions: terminating },
        ]),
      ],
      'http',
    );
    expect(backends.map((b) => b.host)).toEqual(['10.0.0.1']);
  });

  it('falls back to serving, terminating endpoints when none is ready (KEP-1669)', () => {
    const backends = slicesToBackends(
      [
        slice('a', [
          { addresses: ['10.0.0.1'], conditions: terminating },
          { addresses: ['10.0.0.2'], conditions: { ready: false, serving: false, terminating: true } },
          { addresses: ['10.0.0.3'], conditions: { ready: false, serving: false, terminating: false } },
        ]),
      ],
      'http',
    );
    expect(backends.map((b) => b.host)).toEqual(['10.0.0.1']);
  });

  it('reads missing conditions as ready, and skips FQDN slices and empty ones', () => {
    const fqdn: EndpointSlice = { ...slice('f', [{ addresses: ['db.example'] }]), addressType: 'FQDN' };
    const empty: EndpointSlice = { ...slice('e', []), endpoints: null };
    const backends = slicesToBackends([fqdn, empty, slice('a', [{ addresses: ['10.0.0.1'] }])], 'http');
    expect(backends.map((b) => b.host)).toEqual(['10.0.0.1']);
  });
});
