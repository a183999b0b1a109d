/** A request finishing service on a backend at a virtual time. */
export interface Completion {
  readonly time: number;
  /** Insertion order, so equal times pop in a fixed order and runs stay deterministic. */
  readonly seq: number;
  readonly backend: number;
  readonly request: number;
}

function before(a: Completion, b: Completion): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** A binary min-heap of completions ordered by time, then insertion order. */
export class EventQueue {
  private readonly heap: Completion[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): Completion | undefined {
    return this.heap[0];
  }

  push(event: Completion): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): Completion | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
    return top;
  }
}
