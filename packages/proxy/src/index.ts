/**
 * @lb/proxy — not implemented yet; see the package README.
 *
 * @module
 */
export {};
