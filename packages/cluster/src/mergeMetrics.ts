interface MergedFamily {
  readonly comments: string[];
  readonly samples: string[];
}

/** The metric name a sample line starts with (before `{` or the first space). */
function sampleName(line: string): string {
  const end = line.search(/[{\s]/);
  return end === -1 ? line : line.slice(0, end);
}

/** `line` with `worker="<id>"` as its first label; unchanged for the primary's own text (no worker). */
function withWorker(line: string, name: string, worker: number | undefined): string {
  if (worker === undefined) return line;
  const rest = line.slice(name.length);
  const label = `worker="${worker}"`;
  if (rest.startsWith('{}')) return `${name}{${label}}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{${label},${rest.slice(1)}`;
  return `${name}{${label}}${rest}`;
}

/**
 * Merges the Prometheus texts of several workers into one exposition: the series of every worker under its
 * `worker` label, each family once (its `# HELP` and `# TYPE` from the first worker that has it) with all the
 * workers' samples together, as the format requires a family's samples to be contiguous. A text without
 * `worker` (the primary's own `process_*` series) keeps its samples unlabelled, in the same families as the
 * workers' (apps that report prom-client's default metrics have them too).
 */
export function mergeMetrics(
  texts: ReadonlyArray<{ readonly worker?: number; readonly text: string }>,
): string {
  const families = new Map<string, MergedFamily>();
  const family = (name: string): MergedFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { comments: [], samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const { worker, text } of texts) {
    // Samples of a histogram or summary (`_bucket`, `_sum`, `_count`) follow their family's `# TYPE` line.
    let current: string | undefined;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const comment = /^#\s+(HELP|TYPE)\s+(\S+)/.exec(line);
      if (comment !== null) {
        const name = comment[2] as string;
        current = name;
        const target = family(name);
        // Described once: by the first worker that has the family.
        if (!target.comments.some((c) => c.startsWith(`# ${comment[1]} `))) target.comments.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = sampleName(line);
      const owner = current !== undefined && name.startsWith(current) ? current : name;
      family(owner).samples.push(withWorker(line, name, worker));
    }
  }
  let out = '';
  for (const { comments, samples } of families.values()) {
    for (const line of [...comments, ...samples]) out += `${line}\n`;
  }
  return out;
}
