let cachedSecond = -1;
let cachedText = '';

/** The IMF-fixdate for now, formatted once per second: every response that lacks a `Date` gets one. */
export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = new Date(second * 1000).toUTCString();
  }
  return cachedText;
}
