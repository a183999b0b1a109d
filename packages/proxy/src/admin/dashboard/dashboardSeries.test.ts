import { describe, expect, it } from 'vitest';
import type { DashboardSample } from './dashboardFeed.js';
import { dashboardSeriesScript } from './dashboardSeries.js';

interface Point {
  t: number;
  dt: number;
  rows: Record<string, { classes: number[] | null; errors: number | null; cpu: number | null }>;
  total: { classes: number[]; errors: number };
}

// The functions run in the browser; evaluate the same source here.
const { intervals, windowCounts } = new Function(
  `${dashboardSeriesScript}\nreturn { intervals, windowCounts };`,
)() as {
  intervals(samples: DashboardSample[]): Point[];
  windowCounts(points: Point[], key: string): { classes: number[] | null; errors: number; seconds: number };
};

describe('dashboard series', () => {
  it('divides by the time between server samples and counts from zero after a restart', () => {
    const samples: DashboardSample[] = [
      { t: 0, rows: { w: { r: [0, 100, 0, 0, 0], e: 0, cpu: 5 } } },
      { t: 2_000, rows: { w: { r: [0, 140, 0, 0, 4], e: 2, cpu: 7 } } },
      // The worker restarted: its counters start again.
      { t: 2_500, rows: { w: { r: [0, 3, 0, 0, 1], e: 0, cpu: 1 } } },
      { t: 3_500, rows: { w: { r: [0, 13, 0, 0, 1], e: 1 }, x: { cpu: 2 } } },
    ];
    const points = intervals(samples);
    expect(points.map((p) => p.t)).toEqual([2_000, 2_500, 3_500]);
    expect(points[0]?.rows.w?.classes).toEqual([0, 20, 0, 0, 2]);
    expect(points[0]?.rows.w?.errors).toBe(1);
    expect(points[1]?.rows.w?.classes).toEqual([0, 6, 0, 0, 2]);
    expect(points[2]?.rows.w?.classes).toEqual([0, 10, 0, 0, 0]);
    expect(points[2]?.rows.x?.classes).toBeNull();
    expect(points[2]?.total.classes).toEqual([0, 10, 0, 0, 0]);
    expect(windowCounts(points, 'w')).toEqual({ classes: [0, 53, 0, 0, 5], errors: 3, seconds: 3.5 });
    expect(windowCounts(points, 'x').classes).toBeNull();
  });

  it('skips samples that do not move forward in time', () => {
    const points = intervals([
      { t: 1_000, rows: { w: { r: [0, 1, 0, 0, 0] } } },
      { t: 1_000, rows: { w: { r: [0, 5, 0, 0, 0] } } },
    ]);
    expect(points).toEqual([]);
  });
});
