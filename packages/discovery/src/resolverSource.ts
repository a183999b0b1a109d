import { Resolver } from 'node:dns/promises';
import { isEmptyAnswer } from './dnsErrors.js';
import type { ResolvedResolverOptions } from './dnsOptions.js';
import { PollingSource } from './pollingSource.js';

/** What the DNS sources share: a resolver of their own, its lookups, and cancelling them on close. */
export abstract class ResolverSource extends PollingSource {
  protected readonly resolver: Resolver;

  protected constructor(options: ResolvedResolverOptions) {
    super(options.hold);
    this.resolver = new Resolver({ timeout: options.timeout, tries: options.tries });
    if (options.servers !== undefined) this.resolver.setServers(options.servers);
  }

  /** A lookup's records, none for NXDOMAIN or a name without records of that type; other failures throw. */
  protected async recordsOf<T>(lookup: Promise<T[]>): Promise<T[]> {
    try {
      return await lookup;
    } catch (err) {
      if (isEmptyAnswer(err)) return [];
      throw err;
    }
  }

  protected override close(): void {
    super.close();
    // Ends queries still waiting on a server that does not answer.
    this.resolver.cancel();
  }
}
