// Why the HTTP/2 session keeps its streams in a StreamTable, not a Map (docs/benchmarks.md, "garbage
// collection, HPACK"): a long-lived Map (or Set) that gets one add and one delete per call leaves each table it
// outgrows behind with its pointers intact, so values that died young survive scavenges from there and are
// promoted. The table has to be in the old generation first: V8 allocates a rebuilt table where the old one was,
// and a table rebuilt every few hundred calls is promoted only if it lived through a quiet spell (a session
// idle between bursts, as here). Then two million "calls", 64 in flight, each value about 1 KB, kept by a Map or
// by an array; the numbers are V8's own (`--trace-gc-nvp`), summed over the run's scavenges.
//   node bench/proxy/mapChurnGc.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CALLS = 2_000_000;
const IN_FLIGHT = 64;

if (process.argv[2] === 'run') {
  const useMap = process.argv[3] === 'map';
  const map = new Map();
  const slots = new Array(256).fill(undefined);
  const live = [];
  // The quiet spell: the structure sits unchanged while other garbage goes through several scavenges.
  for (let id = -IN_FLIGHT; id < 0; id++) {
    if (useMap) map.set(id, { id });
    else slots[id & 255] = { id };
  }
  let junk;
  for (let i = 0; i < 200_000; i++) junk = new Array(64).fill(i);
  if (junk.length === 0) console.log('');
  for (let id = 1; id <= CALLS; id++) {
    const value = { id, payload: new Array(100).fill(id), more: { id } };
    if (useMap) map.set(id, value);
    else slots[id & 255] = value;
    live.push(id);
    if (live.length > IN_FLIGHT) {
      const done = live.shift();
      if (useMap) map.delete(done);
      else slots[done & 255] = undefined;
    }
  }
} else {
  const self = fileURLToPath(import.meta.url);
  for (const kind of ['map', 'array']) {
    const log = execFileSync(process.execPath, ['--trace-gc-nvp', self, 'run', kind], { encoding: 'utf8' });
    let promoted = 0;
    let pause = 0;
    let scavenges = 0;
    for (const line of log.split('\n')) {
      if (!line.includes('gc=s ')) continue;
      scavenges++;
      promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
      pause += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
    }
    console.log(
      `${kind.padEnd(5)}: ${scavenges} scavenges, ${(promoted / 1e6).toFixed(1)} MB promoted, ${pause.toFixed(0)} ms of pauses`,
    );
  }
}
