import { describe, expect, it } from 'vitest';
import { parseControlRequest, parseControlResponse } from './controlProtocol.js';

const refusal = (line: string) => {
  const parsed = parseControlRequest(line);
  if (parsed.ok) throw new Error(`expected a refusal of ${line}`);
  return parsed;
};

describe('parseControlRequest', () => {
  it('accepts every command with its defaults', () => {
    expect(parseControlRequest('{"v":1,"id":7,"cmd":"status"}')).toEqual({
      ok: true,
      request: { v: 1, id: 7, cmd: 'status' },
    });
    expect(parseControlRequest('{"v":1,"id":1,"cmd":"scale","processes":4}')).toMatchObject({
      request: { processes: 4 },
    });
    expect(parseControlRequest('{"v":1,"id":1,"cmd":"logs"}')).toMatchObject({
      request: { cmd: 'logs', lines: 100, follow: false },
    });
  });

  it('refuses what is not a request, and answers to its id when it has one', () => {
    expect(refusal('{nope').message).toMatch(/not JSON/);
    expect(refusal('[1,2]').message).toMatch(/JSON object/);
    expect(refusal('null').id).toBeNull();
    expect(refusal('{"v":1,"cmd":"status"}').message).toMatch(/"id"/);
    expect(refusal('{"v":2,"id":3,"cmd":"status"}')).toMatchObject({ id: 3, message: /version 2/ });
    expect(refusal('{"v":1,"id":3,"cmd":"rm -rf"}').message).toMatch(/unknown command "rm -rf"/);
    expect(refusal('{"v":1,"id":3,"cmd":"__proto__"}').message).toMatch(/unknown command/);
    expect(refusal('{"v":1,"id":3,"cmd":"scale","processes":0}').message).toMatch(/1 to 1024/);
    expect(refusal('{"v":1,"id":3,"cmd":"scale","processes":"4"}').message).toMatch(/1 to 1024/);
    expect(refusal('{"v":1,"id":3,"cmd":"logs","lines":1e9}').message).toMatch(/0 to 1000/);
    expect(refusal('{"v":1,"id":3,"cmd":"logs","follow":"yes"}').message).toMatch(/follow/);
  });
});

describe('parseControlResponse', () => {
  it('accepts answers and log lines of this version only', () => {
    expect(parseControlResponse('{"v":1,"id":1,"ok":true,"result":null}')).toBeDefined();
    expect(
      parseControlResponse('{"v":1,"id":1,"ok":false,"error":{"code":"X","message":"m"}}'),
    ).toBeDefined();
    expect(
      parseControlResponse('{"v":1,"id":1,"log":{"time":"t","stream":"stdout","line":"x"}}'),
    ).toBeDefined();
    expect(parseControlResponse('{"v":2,"id":1,"ok":true}')).toBeUndefined();
    expect(parseControlResponse('garbage')).toBeUndefined();
  });
});
