import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metricsRegistry.js';

interface Family {
  type: string;
  help: string;
  samples: Map<string, number>;
}

/** A strict little parser for format 0.0.4, so the test reads the text back the way a scraper would. */
function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  let currentName = '';
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      expect(families.has(help[1]!)).toBe(false);
      currentName = help[1]!;
      current = { type: '', help: help[2]!, samples: new Map() };
      families.set(currentName, current);
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      expect(type[1]).toBe(currentName);
      current!.type = type[2]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(
      line,
    );
    expect(sample, `unparseable line: ${line}`).not.toBeNull();
    const [, name, labels = '', value] = sample!;
    const base = current?.type === 'histogram' ? name!.replace(/_(bucket|sum|count)$/, '') : name;
    expect(base, `sample ${name} outside its family`).toBe(currentName);
    const key = `${name}${labels}`;
    expect(current!.samples.has(key)).toBe(false);
    current!.samples.set(key, value === '+Inf' ? Number.POSITIVE_INFINITY : Number(value));
  }
  return families;
}

function value(families: Map<string, Family>, family: string, series: string): number | undefined {
  return families.get(family)?.samples.get(series);
}

describe('MetricsRegistry', () => {
  it('exposes request counts by status class, latency histograms and health per backend', () => {
    const registry = new MetricsRegistry();
    const a = registry.addBackend(0, {
      gauges: { up: true, ejected: false, effectiveWeight: 1, inFlight: 1 },
    });
    const bState = { up: true, ejected: false, effectiveWeight: 1, inFlight: 0 };
    const b = registry.addBackend('b"1', { gauges: bState });
    for (let i = 0; i < 3; i++) {
      a.requestEnd(200, 0.004);
    }
    a.requestEnd(503, 0.2);
    b.error('connect');
    b.requestEnd(0, 0);
    b.retries++;
    bState.up = false;
    bState.ejected = true;
    b.ejections++;
    registry.noBackend++;
    registry.clientConnected();

    const families = parse(registry.prometheus());
    expect(families.get('lb_backend_requests_total')?.type).toBe('counter');
    expect(
      value(families, 'lb_backend_requests_total', 'lb_backend_requests_total{backend="0",code_class="2xx"}'),
    ).toBe(3);
    expect(
      value(families, 'lb_backend_requests_total', 'lb_backend_requests_total{backend="0",code_class="5xx"}'),
    ).toBe(1);
    expect(value(families, 'lb_backend_active_requests', 'lb_backend_active_requests{backend="0"}')).toBe(1);
    expect(value(families, 'lb_backend_active_requests', 'lb_backend_active_requests{backend="b\\"1"}')).toBe(
      0,
    );
    expect(
      value(families, 'lb_backend_errors_total', 'lb_backend_errors_total{backend="b\\"1",kind="connect"}'),
    ).toBe(1);
    expect(value(families, 'lb_backend_up', 'lb_backend_up{backend="0"}')).toBe(1);
    expect(value(families, 'lb_backend_up', 'lb_backend_up{backend="b\\"1"}')).toBe(0);
    expect(value(families, 'lb_backend_ejected', 'lb_backend_ejected{backend="b\\"1"}')).toBe(1);
    expect(value(families, 'lb_backend_retries_total', 'lb_backend_retries_total{backend="b\\"1"}')).toBe(1);
    expect(value(families, 'lb_no_backend_total', 'lb_no_backend_total')).toBe(1);
    expect(value(families, 'lb_client_active_connections', 'lb_client_active_connections')).toBe(1);

    const histogram = families.get('lb_backend_request_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    const bucket = (le: string) =>
      histogram.samples.get(`lb_backend_request_duration_seconds_bucket{backend="0",le="${le}"}`);
    expect(bucket('0.001')).toBe(0);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('0.25')).toBe(4);
    expect(bucket('+Inf')).toBe(4);
    expect(histogram.samples.get('lb_backend_request_duration_seconds_count{backend="0"}')).toBe(4);
    expect(histogram.samples.get('lb_backend_request_duration_seconds_sum{backend="0"}')).toBeCloseTo(0.212);
    const buckets = [...histogram.samples.entries()].filter(([k]) =>
      k.startsWith('lb_backend_request_duration_seconds_bucket{backend="0"'),
    );
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]![1]).toBeGreaterThanOrEqual(buckets[i - 1]![1]);
  });

  it('snapshots the same numbers as JSON with latency quantiles in milliseconds', () => {
    let now = 10_000;
    const registry = new MetricsRegistry({ now: () => now });
    const a = registry.addBackend('a');
    for (let i = 0; i < 100; i++) {
      a.requestEnd(200, i < 98 ? 0.003 : 2);
    }
    a.error('timeout');
    now += 1500;
    const snapshot = registry.snapshot();
    expect(snapshot.uptimeSeconds).toBe(1.5);
    expect(snapshot.responses).toBe(100);
    expect(snapshot.errors).toBe(1);
    const [backend] = snapshot.backends;
    expect(backend?.responses['2xx']).toBe(100);
    expect(backend?.errors.timeout).toBe(1);
    expect(backend?.latency.count).toBe(100);
    expect(backend?.latency.p50Ms).toBeGreaterThan(2.5);
    expect(backend?.latency.p50Ms).toBeLessThanOrEqual(5);
    expect(backend?.latency.p99Ms).toBeGreaterThan(1000);
    expect(snapshot.latency.p99Ms).toBe(backend?.latency.p99Ms);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('reports null latency before any response, and drops a removed backend from the exposition', () => {
    const registry = new MetricsRegistry();
    registry.addBackend('gone');
    expect(registry.snapshot().latency.p50Ms).toBeNull();
    expect(registry.addBackend('gone')).toBe(registry.backend('gone'));
    registry.removeBackend('gone');
    expect(registry.prometheus()).not.toContain('backend="gone"');
    expect(parse(registry.prometheus()).get('lb_backend_up')?.samples.size).toBe(0);
  });

  it('tracks connections for TCP mode, observing their length', () => {
    const registry = new MetricsRegistry();
    const m = registry.addBackend(1);
    m.connectionOpened();
    m.connectionOpened();
    m.connectionClosed(0.5);
    const families = parse(registry.prometheus());
    expect(value(families, 'lb_backend_connections_total', 'lb_backend_connections_total{backend="1"}')).toBe(
      2,
    );
    expect(
      value(families, 'lb_backend_active_connections', 'lb_backend_active_connections{backend="1"}'),
    ).toBe(1);
    expect(
      value(
        families,
        'lb_backend_request_duration_seconds',
        'lb_backend_request_duration_seconds_count{backend="1"}',
      ),
    ).toBe(1);
  });
});

describe('MetricsRegistry metrics names', () => {
  it('sums backends sharing a metrics name into one series, and carries a removed one’s counts', () => {
    const registry = new MetricsRegistry();
    const oldState = { up: true, ejected: false, effectiveWeight: 1, inFlight: 0 };
    const old = registry.addBackend('0.1', { metricsName: '0', gauges: oldState });
    old.requestEnd(200, 0.01);
    old.connectionOpened();
    const next = registry.addBackend('0.2', { metricsName: '0' });
    next.requestEnd(200, 0.01);
    oldState.up = false;
    let text = registry.prometheus();
    expect(text).toContain('lb_backend_requests_total{backend="0",code_class="2xx"} 2');
    expect(text).toContain('lb_backend_up{backend="0"} 1');
    expect(text).toContain('lb_backend_active_connections{backend="0"} 1');
    expect(text).not.toContain('backend="0.1"');
    registry.removeBackend('0.1');
    text = registry.prometheus();
    expect(text).toContain('lb_backend_requests_total{backend="0",code_class="2xx"} 2');
    expect(text).toContain('lb_backend_request_duration_seconds_count{backend="0"} 2');
    expect(text).toContain('lb_backend_connections_total{backend="0"} 1');
    expect(text).toContain('lb_backend_active_connections{backend="0"} 0');
    registry.removeBackend('0.2');
    expect(registry.prometheus()).not.toContain('backend="0"');
    registry.addBackend('0.3', { metricsName: '0' });
    expect(registry.prometheus()).toContain('lb_backend_requests_total{backend="0",code_class="2xx"} 0');
  });
});
