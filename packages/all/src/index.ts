/**
 * Everything in `@lb`: re-exports every package's public API.
 *
 * @module
 */
export * from '@lb/cluster';
export * from '@lb/core';
export * from '@lb/discovery';
export * from '@lb/isolate-pool';
export * from '@lb/proxy';
export * from '@lb/strategies';
