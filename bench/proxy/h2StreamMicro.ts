// The balancer's own work for one h2c stream forwarded to an HTTP/1.1 backend, in-process and without sockets,
// so that a busy machine inflates it no more than any other CPU-bound loop: the RFC 9113 checks of h2load's
// request fields, the request rules, the forwarded header list and its HTTP/1.1 head, then parsing a 13-byte
// keep-alive response from Node's `http` and turning its fields into the HTTP/2 response block. Node's own
// `node:http2` and socket work is not in it (h2Profile.ts shows it).
//
// With `--baseline REF` the same work is bundled from the sources of git ref REF as well and the two are timed in
// alternation, in one process: nanoseconds of process CPU time (user + system) per stream, median of 9 runs.
//
//   node --import tsx bench/proxy/h2StreamMicro.ts
//   node --import tsx bench/proxy/h2StreamMicro.ts --baseline main
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const baseline = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const iterations = 100_000;
const runs = 9;

/** One stream's own work; bundled against each source tree, so it names only their modules. */
const entry = `
import { checkRequestFields } from './protocol/http2/requestFields.js';
import { applyRequestRules } from './protocol/http1/requestRules.js';
import { buildRequestHeaders } from './protocol/http1/requestHeaders.js';
import { ResponseParser } from './protocol/http1/responseParser.js';
import { buildResponseHeaders } from './protocol/http1/responseHeaders.js';
import { toHttp2Fields } from './protocol/http2/responseFields.js';

const raw = [':method', 'GET', ':path', '/', ':scheme', 'http', ':authority', '127.0.0.1:39002', 'accept', '*/*',
  'accept-encoding', 'gzip, deflate', 'user-agent', 'h2load nghttp2/1.52.0'];
const response = Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 13\\r\\n' +
  'Date: Sun, 06 Dec 2026 10:05:41 GMT\\r\\nConnection: keep-alive\\r\\nKeep-Alive: timeout=5\\r\\n\\r\\nHello, world!', 'latin1');
const rules = { maxHeaderCount: 100, allowTrace: false, underscoreHeaders: 'drop' };
const context = { httpVersion: '2', peerAddress: '127.0.0.1', localPort: 39002, encrypted: false,
  trust: () => false, forwarded: false, via: 'lb', framing: { kind: 'none' } };
let sink = 0;
// Before issue #16's own HTTP/2 session, toHttp2Fields filled a header object; now it appends to a flat list.
const flat = toHttp2Fields(['a', 'b'], []).length === 2;
const parser = new ResponseParser({
  onInformation() {},
  onHead(head) {
    const into = flat ? [':status', String(head.status)] : { ':status': head.status };
    const fields = toHttp2Fields(buildResponseHeaders(head.rawHeaders, head.contentLength), into);
    sink += flat ? fields.length : Object.keys(fields).length;
  },
  onBody(chunk) { sink += chunk.length; },
  onComplete() {},
});

export function stream() {
  const head = checkRequestFields(raw);
  const request = { method: head.method, target: head.path, httpVersion: '1.1', rawHeaders: head.rawHeaders };
  const checked = applyRequestRules(request, head.authority, rules);
  const { headers } = buildRequestHeaders(checked.rawHeaders, context);
  let text = head.method + ' ' + checked.target + ' HTTP/1.1\\r\\n';
  for (let i = 0; i < headers.length; i += 2) text += headers[i] + ': ' + headers[i + 1] + '\\r\\n';
  sink += Buffer.byteLength(text + '\\r\\n', 'latin1');
  parser.expect(head.method === 'HEAD');
  parser.feed(response);
  return sink;
}
`;

// esbuild comes with tsx, which runs this file.
const { buildSync } = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as {
  buildSync(options: Record<string, unknown>): unknown;
};
const work = mkdtempSync(join(tmpdir(), 'lb-h2-micro-'));

/** Bundles the entry against the `packages/proxy/src` under `root` and loads it. */
async function load(root: string, label: string): Promise<() => number> {
  const outfile = join(work, `${label}.mjs`);
  buildSync({
    stdin: { contents: entry, resolveDir: join(root, 'packages/proxy/src'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    // Both trees compiled alike, with this tree's settings (class fields as the build emits them).
    tsconfig: join(repo, 'packages/proxy/tsconfig.json'),
    target: 'node20',
    alias: { '@lb/core': join(repo, 'packages/core/src/index.ts') },
  });
  return ((await import(pathToFileURL(outfile).href)) as { stream: () => number }).stream;
}

/** A ref from before `toHttp2Fields` had its own file: the function is taken from where it was. */
function extractOlderFields(root: string): void {
  const target = join(root, 'packages/proxy/src/protocol/http2/responseFields.ts');
  if (existsSync(target)) return;
  const source = readFileSync(
    join(root, 'packages/proxy/src/downstream/http2/http2StreamExchange.ts'),
    'utf8',
  );
  const set = source.match(/const connectionSpecific[\s\S]*?\]\);\n/);
  const fn = source.match(/function toHttp2Fields[\s\S]*?\n}\n/);
  if (!set || !fn) throw new Error(`no toHttp2Fields in ${baseline}`);
  writeFileSync(target, `import type { OutgoingHttpHeaders } from 'node:http2';\n${set[0]}export ${fn[0]}`);
}

function nsPerStream(stream: () => number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) stream();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

try {
  const rows: { label: string; stream: () => number; ns: number[] }[] = [
    { label: 'this tree', stream: await load(repo, 'head'), ns: [] },
  ];
  if (baseline) {
    const root = join(work, 'baseline');
    execFileSync('mkdir', ['-p', root]);
    execFileSync('sh', [
      '-c',
      `git -C "${repo}" archive "${baseline}" packages/proxy/src | tar -x -C "${root}"`,
    ]);
    extractOlderFields(root);
    rows.unshift({ label: baseline, stream: await load(root, 'baseline'), ns: [] });
  }
  for (const row of rows) nsPerStream(row.stream);
  for (let run = 0; run < runs; run++) for (const row of rows) row.ns.push(nsPerStream(row.stream));
  console.log(
    `ns of CPU per stream, median of ${runs} alternating runs of ${iterations.toLocaleString('en')}:`,
  );
  for (const row of rows) {
    const ratio = baseline ? ` (${(median(row.ns) / median(rows[0]!.ns)).toFixed(3)}× ${baseline})` : '';
    console.log(`  ${row.label}: ${Math.round(median(row.ns))}${ratio}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
