import { Histogram, type HistogramSummary } from './histogram.js';

/** A snapshot returned by `HybridProcessor.stats()`. Times are in milliseconds. */
export interface HybridProcessorStats {
  /** Threads alive now. */
  threads: number;
  /** Tasks that returned a value. */
  completed: number;
  /** Tasks that threw, were aborted, timed out or lost their thread. */
  failed: number;
  /** Tasks waiting for a thread. */
  queued: number;
  /** Tasks handed to a thread and not finished (including those queued inside the thread's pipeline). */
  running: number;
  /** From submission to the start of the run, for tasks that ran. */
  waitTime: HistogramSummary;
  /** Time spent in the handler, measured in the thread. */
  runTime: HistogramSummary;
  /** Share of thread time spent running tasks since `initialize()`, from 0 to 1. */
  utilization: number;
}

/** Counters and histograms; pure bookkeeping with no I/O. */
export class PoolStats {
  completed = 0;
  failed = 0;
  readonly wait = new Histogram();
  readonly run = new Histogram();
  busyMs = 0;
  /** Lifetime of threads that have exited. */
  deadThreadMs = 0;
  /** Moving average of run time, used to size the pipeline window; undefined until a task has run. */
  averageRun: number | undefined = undefined;

  /** Records a task that ran to completion or threw in its handler. */
  recordRun(waitMs: number, runMs: number): void {
    this.wait.record(waitMs);
    this.run.record(runMs);
    this.busyMs += runMs;
    this.averageRun =
      this.averageRun === undefined ? runMs : this.averageRun + (runMs - this.averageRun) * 0.05;
  }

  /** Utilization given the summed lifetime of the live threads. */
  utilization(liveThreadMs: number): number {
    const total = this.deadThreadMs + liveThreadMs;
    return total <= 0 ? 0 : Math.min(1, this.busyMs / total);
  }
}
