import { LbError } from '@lb/core';

/** Whether `name` is `lower` in any case; the length check first spares lower-casing (a new string) most names. */
const sameName = (name: string, lower: string): boolean =>
  name.length === lower.length && (name === lower || name.toLowerCase() === lower);

/** Edits of a flat `[name, value, …]` header list, by case-insensitive name. */
export const headerList = {
  get(list: readonly string[], name: string): string | undefined {
    const lower = name.toLowerCase();
    let value: string | undefined;
    for (let i = 0; i < list.length; i += 2) {
      if (sameName(list[i]!, lower)) value = value === undefined ? list[i + 1] : `${value}, ${list[i + 1]}`;
    }
    return value;
  },
  remove(list: string[], name: string): void {
    const lower = name.toLowerCase();
    for (let i = list.length - 2; i >= 0; i -= 2) if (sameName(list[i]!, lower)) list.splice(i, 2);
  },
  set(list: string[], name: string, value: string): void {
    // A CR or LF in a value would let a hook split the message: refuse it as Node's own setHeader does.
    if (/[\r\n\0]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new LbError('LB_ERR_HOOK', `Invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    }
    headerList.remove(list, name);
    list.push(name, value);
  },
};
