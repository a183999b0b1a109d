import { describe, expect, it } from 'vitest';
import { parseBackendList } from './parseBackendList.js';

describe('parseBackendList', () => {
  it('reads hosts, ports and the optional weight, priority and zone', () => {
    const text = JSON.stringify([
      { host: '10.0.0.1', port: 8080 },
      { host: '10.0.0.2', port: 8080, weight: 3, priority: 1, zone: 'eu-1a' },
    ]);
    expect(parseBackendList(text)).toEqual([
      { host: '10.0.0.1', port: 8080 },
      { host: '10.0.0.2', port: 8080, weight: 3, priority: 1, zone: 'eu-1a' },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseBackendList('[]')).toEqual([]);
  });

  it('refuses a file cut short while being written', () => {
    expect(() => parseBackendList('[{"host": "10.0.0.1", "po')).toThrow(
      expect.objectContaining({ code: 'LB_ERR_DISCOVERY_INVALID' }),
    );
  });

  it.each([
    ['{}', /array/],
    ['[1]', /\[0\] must be an object/],
    ['[{"port": 80}]', /\[0\]\.host/],
    ['[{"host": "a", "port": 0}]', /\[0\]\.port/],
    ['[{"host": "a", "port": 80, "weight": -1}]', /\[0\]\.weight/],
    ['[{"host": "a", "port": 80, "priority": 0.5}]', /\[0\]\.priority/],
  ])('refuses %s', (text, message) => {
    expect(() => parseBackendList(text)).toThrow(message);
  });
});
