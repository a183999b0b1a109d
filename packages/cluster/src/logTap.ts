import { Writable } from 'node:stream';
import type { LogEntry } from './controlProtocol.js';
import { LineSplitter } from './lineSplitter.js';
import type { LogBuffer } from './logBuffer.js';

/**
 * A stream that writes everything on to `sink` and records each whole line in `buffer`, so `lb logs` shows what
 * the primary printed without changing where output goes.
 */
export function tapLines(sink: Writable, stream: LogEntry['stream'], buffer: LogBuffer): Writable {
  const splitter = new LineSplitter();
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of splitter.push(chunk)) buffer.push(stream, line);
      // The sink's own backpressure is not awaited, as when workers wrote to it directly.
      sink.write(chunk);
      callback();
    },
  });
}
