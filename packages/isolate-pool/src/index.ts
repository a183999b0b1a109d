/**
 * A fast worker-thread pool for CPU-heavy work: {@link HybridProcessor}.
 *
 * @module
 */
export { defaultPoolSize } from './defaultPoolSize.js';
export type { TaskModule } from './handlerRegistry.js';
export type { HistogramSummary } from './histogram.js';
export { type CloseOptions, HybridProcessor, type TaskHandler } from './hybridProcessor.js';
export type { HybridProcessorOptions, InlineTaskOptions, TaskOptions } from './hybridProcessorOptions.js';
export type { HybridProcessorStats } from './poolStats.js';
export type { TaskContext } from './taskContext.js';
