import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The only places in `packages/*\/src` that may create an error that is not an `LbError`, each with the reason
 * `docs/errors.md` gives or the reason it never reaches a user as such. The count is of matches in the file.
 */
const allowed: Record<string, { count: number; why: string }> = {
  'packages/core/src/lbError.ts': { count: 1, why: 'LbError itself extends Error' },
  'packages/proxy/src/protocol/http1/fieldSyntax.ts': {
    count: 1,
    why: 'HttpParseError is internal and always caught: the client side answers 400, the upstream side rethrows it as ResponseParseError (an LbError)',
  },
  'packages/proxy/src/protocol/http2/hpack/hpackError.ts': {
    count: 1,
    why: 'HpackError is internal and always caught: the HTTP/2 session ends the connection with COMPRESSION_ERROR',
  },
  'packages/proxy/src/router/requestEntry.ts': {
    count: 1,
    why: "a hook's non-Error throw, wrapped to be reported through the error event",
  },
  'packages/proxy/src/router/requestHookRun.ts': {
    count: 1,
    why: "a response hook's non-Error throw, wrapped to be reported through the error event",
  },
  'packages/proxy/src/router/requestPath.ts': {
    count: 1,
    why: "a user strategy's non-Error throw, wrapped to be reported through the error event",
  },
  'packages/proxy/src/downstream/clientConnection.ts': {
    count: 1,
    why: 'a non-Error thrown while serving a connection, wrapped to be reported through the error event',
  },
  'packages/proxy/src/admin/dashboard/dashboardScript.ts': {
    count: 1,
    why: "browser code of the dashboard page, caught by the page's own polling loop",
  },
  'packages/isolate-pool/src/worker.ts': {
    count: 6,
    why: 'the thread side: failures (an unsendable result included) carry a code and reach the main thread as LbErrors; the module guard and the unknown-handler invariant cannot be reached through the API',
  },
  'packages/isolate-pool/src/threadPool.ts': {
    count: 1,
    why: 'the cause of LB_ERR_WORKER_CRASHED when a thread exits without an error of its own',
  },
};

const pattern = /new (?:Error|TypeError|RangeError|SyntaxError)\(|extends (?:Error|TypeError|RangeError)\b/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('docs/errors.md: every error a package throws is an LbError', () => {
  it('leaves plain errors only where the exceptions are listed', () => {
    const found: Record<string, number> = {};
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const src = join(root, 'packages', pkg, 'src');
      let files: string[];
      try {
        files = sources(src);
      } catch {
        continue;
      }
      for (const file of files) {
        const count = readFileSync(file, 'utf8').match(pattern)?.length ?? 0;
        if (count > 0) found[relative(root, file).split('\\').join('/')] = count;
      }
    }
    const expected = Object.fromEntries(Object.entries(allowed).map(([file, { count }]) => [file, count]));
    expect(found).toEqual(expected);
  });
});
