import { describe, expect, it } from 'vitest';
import { mergeMetrics } from './mergeMetrics.js';

const worker = (requests: number) =>
  [
    '# HELP app_requests_total Requests.',
    '# TYPE app_requests_total counter',
    `app_requests_total{route="/"} ${requests}`,
    '# HELP app_seconds Durations.',
    '# TYPE app_seconds histogram',
    'app_seconds_bucket{le="+Inf"} 2',
    'app_seconds_sum 0.5',
    'app_seconds_count 2',
    'untyped_thing 7',
    '',
  ].join('\n');

describe('mergeMetrics', () => {
  it('labels every sample with its worker and keeps each family together, described once', () => {
    expect(
      mergeMetrics([
        { worker: 0, text: worker(3) },
        { worker: 1, text: worker(5) },
      ]),
    ).toBe(
      [
        '# HELP app_requests_total Requests.',
        '# TYPE app_requests_total counter',
        'app_requests_total{worker="0",route="/"} 3',
        'app_requests_total{worker="1",route="/"} 5',
        '# HELP app_seconds Durations.',
        '# TYPE app_seconds histogram',
        'app_seconds_bucket{worker="0",le="+Inf"} 2',
        'app_seconds_sum{worker="0"} 0.5',
        'app_seconds_count{worker="0"} 2',
        'app_seconds_bucket{worker="1",le="+Inf"} 2',
        'app_seconds_sum{worker="1"} 0.5',
        'app_seconds_count{worker="1"} 2',
        'untyped_thing{worker="0"} 7',
        'untyped_thing{worker="1"} 7',
        '',
      ].join('\n'),
    );
  });

  it('returns nothing for no text', () => {
    expect(mergeMetrics([])).toBe('');
  });
});
