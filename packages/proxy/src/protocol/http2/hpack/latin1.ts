/** Node's own latin1 slicer, which `toString('latin1', …)` ends in after checking its arguments (not typed). */
interface Latin1Slicing {
  latin1Slice(start: number, end: number): string;
}

/** Node's own latin1 writer, which `write(text, pos, 'latin1')` ends in (not typed); returns bytes written. */
interface Latin1Writing {
  latin1Write(text: string, offset: number, length: number): number;
}

/** `bytes[start..end)` as a latin1 string, one byte per character. */
export function latin1(bytes: Buffer, start: number, end: number): string {
  // Below 8 bytes ('GET', '200', '*/*', 'trailers') a few characters joined here cost less than the call into
  // C++, which costs about the same for any length up to a few dozen bytes.
  if (end - start < 8) {
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
    return text;
  }
  return (bytes as unknown as Latin1Slicing).latin1Slice(start, end);
}

/** Writes the characters of `text` as one byte each (the low byte, as latin1 does) at `pos`; returns the end. */
export function writeLatin1(out: Buffer, pos: number, text: string): number {
  const length = text.length;
  // Short strings, most header names and values, cost less copied here than through a call into C++.
  if (length < 32) {
    for (let i = 0; i < length; i++) out[pos + i] = text.charCodeAt(i);
    return pos + length;
  }
  return pos + (out as unknown as Latin1Writing).latin1Write(text, pos, length);
}
