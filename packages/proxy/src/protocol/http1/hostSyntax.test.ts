import { describe, expect, it } from 'vitest';
import { isValidHost } from './hostSyntax.js';

describe('isValidHost', () => {
  it.each([
    'example.com',
    'Example.COM:8080',
    'a',
    'localhost:0',
    'localhost:65535',
    '127.0.0.1',
    '10.0.0.1:80',
    '[::1]',
    '[2001:db8::1]:443',
    'xn--bcher-kva.example',
    'under_score.example',
    'pct%41.example',
  ])('accepts %j', (value) => {
    expect(isValidHost(value)).toBe(true);
  });

  it.each([
    '',
    ':80',
    ':99999',
    'a:99999',
    'a:',
    'a:8o',
    'a:123456',
    'evil\tX',
    'evil X',
    'a@evil',
    'a@evil/x',
    'evil/x',
    'evil?x',
    'evil#x',
    'a:80:90',
    '[::1',
    '[::1]x',
    '[::1]:',
    '[fe80::1%25eth0]',
    '[v1.x]',
    '[1.2.3.4]',
    'bad%4',
    'bad%zz',
    'caf\u00e9.example',
    'a\\b',
  ])('refuses %j', (value) => {
    expect(isValidHost(value)).toBe(false);
  });
});
