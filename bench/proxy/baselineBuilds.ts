import { resolve } from 'node:path';

/** Another build of the balancer measured in the same sitting: a copy of `packages/proxy/dist` and its label. */
export interface BaselineBuild {
  label: string;
  dir: string;
}

/**
 * Reads a `--baseline` value, `label=dir` pairs separated by commas (a bare `dir` is labelled `before`), as
 * run.ts, h2.ts and grpc.ts take it.
 */
export function baselineBuilds(value: string | undefined): BaselineBuild[] {
  return (value ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [label, dir] = entry.includes('=') ? entry.split('=') : ['before', entry];
      return { label: label!, dir: resolve(dir!) };
    });
}
