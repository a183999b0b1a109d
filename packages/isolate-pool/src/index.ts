/**
 * @lb/isolate-pool — not implemented yet; see the package README.
 *
 * @module
 */
export {};
