import { get } from '../helpers/backends.js';

/** What a load run saw: answers per body (the backend's address) and every failure. */
export interface LoadResult {
  readonly ok: number;
  readonly byBody: ReadonlyMap<string, number>;
  readonly failures: readonly string[];
}

/** A closed-loop load of `clients` concurrent GET loops against the balancer; each request on a new connection. */
export class Load {
  private running = true;
  private ok = 0;
  private readonly byBody = new Map<string, number>();
  private readonly failures: string[] = [];
  private readonly loops: Promise<void>[];

  constructor(
    private readonly port: number,
    clients = 3,
  ) {
    this.loops = Array.from({ length: clients }, () => this.loop());
  }

  /** Answers so far, for a caller that waits on progress. */
  get answered(): number {
    return this.ok + this.failures.length;
  }

  /** Stops the loops and resolves with what they saw once the requests in flight are answered. */
  async stop(): Promise<LoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return { ok: this.ok, byBody: this.byBody, failures: this.failures };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const answer = await get(this.port).catch((err: Error) => ({ status: 0, body: err.message }));
      if (answer.status === 200) {
        this.ok++;
        this.byBody.set(answer.body, (this.byBody.get(answer.body) ?? 0) + 1);
      } else {
        this.failures.push(`${answer.status} ${answer.body}`);
      }
    }
  }
}
