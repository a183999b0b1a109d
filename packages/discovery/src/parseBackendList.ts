import type { DiscoveredBackend } from '@lb/core';
import { LbError } from '@lb/core';

function invalid(where: string, expectation: string): never {
  throw new LbError('LB_ERR_DISCOVERY_INVALID', `${where} ${expectation}`);
}

function optional<T>(
  entry: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  where: string,
  what: string,
): T | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (!check(value)) invalid(`${where}.${key}`, `must be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isWeight = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isPriority = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/**
 * Parses a backends file: a JSON array of `{ "host", "port", "weight"?, "priority"?, "zone"? }`. Anything
 * else, including a file cut short while being written, throws `LB_ERR_DISCOVERY_INVALID`, so a broken file is
 * never applied.
 */
export function parseBackendList(text: string): DiscoveredBackend[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LbError('LB_ERR_DISCOVERY_INVALID', `not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!Array.isArray(data)) invalid('the file', 'must hold a JSON array of backends');
  return data.map((item: unknown, i) => {
    const where = `[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) invalid(where, 'must be an object');
    const entry = item as Record<string, unknown>;
    if (!isString(entry.host)) invalid(`${where}.host`, 'must be a non-empty string');
    if (!isPort(entry.port)) invalid(`${where}.port`, 'must be an integer from 1 to 65535');
    const weight = optional(entry, 'weight', isWeight, where, 'a number of 0 or more');
    const priority = optional(entry, 'priority', isPriority, where, 'an integer of 0 or more');
    const zone = optional(entry, 'zone', isString, where, 'a non-empty string');
    return {
      host: entry.host,
      port: entry.port,
      ...(weight === undefined ? {} : { weight }),
      ...(priority === undefined ? {} : { priority }),
      ...(zone === undefined ? {} : { zone }),
    };
  });
}
