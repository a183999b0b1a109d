/**
 * The `ArrayBuffer`s a result can give up instead of copying: the value itself, the buffer of a typed array or
 * `DataView` that spans all of it, and the same inside arrays, plain objects and `Map`/`Set` values. A view over
 * part of a buffer is copied, because the rest may belong to something else (Node's pooled small `Buffer`s share
 * one). `SharedArrayBuffer`s are shared, never moved. Each buffer is listed once.
 */
export function transferables(
  value: unknown,
  found: Set<ArrayBuffer> = new Set(),
  depth = 0,
): Set<ArrayBuffer> {
  if (typeof value !== 'object' || value === null || depth > 16) return found;
  if (value instanceof ArrayBuffer) {
    found.add(value);
  } else if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) {
      found.add(buffer);
    }
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const item of value) transferables(item, found, depth + 1);
  } else if (value instanceof Map) {
    for (const item of value.values()) transferables(item, found, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const key of Object.keys(value))
      transferables((value as Record<string, unknown>)[key], found, depth + 1);
  }
  return found;
}
