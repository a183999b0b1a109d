/**
 * @lb/strategies — not implemented yet; see the package README.
 *
 * @module
 */
export {};
