import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, fixture, get, waitFor } from './helpers.js';
import { lbReady, startLb } from './lbProcess.js';

afterEach(cleanUp);

/** One probe or request and when it was sent, relative to SIGTERM and to the drain line on lb's stderr. */
interface Outcome {
  readonly afterSignal: boolean;
  /** The drain-start line was already on stderr when it was sent. */
  readonly afterDrainLine: boolean;
  /** The HTTP status, or the network error's code. */
  result: number | string;
  /** The answer came before SIGTERM was sent. */
  answeredBeforeSignal?: boolean;
}

const drainLine = /stopping: finishing in-flight requests/;

/** GET on a fresh connection, as kubelet probes: the status, or the error code (a probe never throws). */
function probe(port: number, path: string): Promise<number | string> {
  return get(port, path).then(
    (reply) => reply.status,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
}

const drainDelay = 4_000;

// Kubernetes deletes a pod in two independent flows: the kubelet sends SIGTERM (and keeps running the readiness
// probe), while the endpoint controller and then every kube-proxy and ingress remove the pod from their
// endpoints, a few seconds later (kubernetes/kubernetes#67592). Until that removal lands, traffic keeps arriving,
// on new connections too. This replays that ordering against a real `lb start`.
describe.each([
  ['proxy', [] as string[]],
  ['shared-port', ['--shared-port']],
])("lb start under kubelet's termination ordering (%s mode)", (_mode, modeArgs) => {
  it('flips /readyz to 503 at the first probe after SIGTERM, serves through drainDelay, drains, keeps /livez 200, exits 0', async () => {
    const lb = startLb([
      fixture('app.mjs'),
      '-i',
      '2',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--admin-port',
      '0',
      '--drain-delay',
      String(drainDelay),
      ...modeArgs,
    ]);
    const { port } = await lbReady(lb);
    const admin = Number((await lb.waitForStderr(/admin on 127\.0\.0\.1:(\d+)/))[1]);
    let signalled = false;
    let exited = false;
    void lb.exited.then(() => {
      exited = true;
    });
    const stamp = (): Omit<Outcome, 'result'> => ({
      afterSignal: signalled,
      afterDrainLine: drainLine.test(lb.stderr()),
    });

    // kubelet's prober: /readyz and /livez every 100 ms, each on a new connection, until the container is gone.
    const probes: Record<'/readyz' | '/livez', Outcome[]> = { '/readyz': [], '/livez': [] };
    // Also settles if lb exits without ever answering 503, so a regression fails the assertions below, not a timeout.
    const firstNotReady = new Promise<void>((resolve) => {
      void lb.exited.then(() => resolve());
      const prober = async () => {
        while (!exited) {
          await Promise.all(
            (['/readyz', '/livez'] as const).map(async (path) => {
              const outcome: Outcome = { ...stamp(), result: '' };
              probes[path].push(outcome);
              outcome.result = await probe(admin, path);
              outcome.answeredBeforeSignal = !signalled;
              if (path === '/readyz' && outcome.result === 503) resolve();
            }),
          );
          await new Promise((done) => setTimeout(done, 100));
        }
      };
      void prober();
    });

    // Clients: one opening a new connection per request, one on a kept-alive connection. They keep sending until
    // the endpoint removal reaches them: here, ten more requests each after the prober saw 503.
    const requests: Outcome[] = [];
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const client = async (agent: http.Agent | false) => {
      let afterFlip = 0;
      let flipped = false;
      void firstNotReady.then(() => {
        flipped = true;
      });
      while (afterFlip < 10 && !exited) {
        const sentAfterFlip = flipped;
        const outcome: Outcome = { ...stamp(), result: '' };
        requests.push(outcome);
        outcome.result = await get(port, '/', agent).then(
          (reply) => reply.status,
          (err: NodeJS.ErrnoException) => err.code ?? err.message,
        );
        if (sentAfterFlip) afterFlip++;
      }
    };
    const clients = Promise.all([client(false), client(keepAlive)]);

    // Let the clients run on a serving cluster first.
    await waitFor(() => requests.filter((r) => r.result === 200).length >= 10, 10_000, 'ten requests');
    lb.child.kill('SIGTERM');
    signalled = true;

    // A request sent while not ready that is still in flight when the drain starts: it must finish.
    const slowRequest = firstNotReady.then(async () => {
      const slow = await get(port, `/slow?ms=${drainDelay + 1_500}`);
      expect(drainLine.test(lb.stderr()), 'the slow request outlived the delay, into the drain').toBe(true);
      expect(slow.status).toBe(200);
    });
    await clients;
    await slowRequest;
    const code = await lb.exited;
    keepAlive.destroy();

    expect(code).toBe(0);
    // Readiness: 200 before the signal (a probe in flight as it is sent may see either), 503 from the first probe
    // sent after it until the admin server closes.
    const ready = probes['/readyz'];
    expect(ready.filter((p) => p.answeredBeforeSignal).every((p) => p.result === 200)).toBe(true);
    expect(ready.filter((p) => !p.afterSignal).every((p) => p.result === 200 || p.result === 503)).toBe(true);
    const afterSignal = ready.filter((p) => p.afterSignal);
    expect(afterSignal[0]?.result).toBe(503);
    const refusedFrom = afterSignal.findIndex((p) => p.result !== 503);
    const tail = refusedFrom === -1 ? [] : afterSignal.slice(refusedFrom);
    // Network errors only once the admin server closes at the very end (refused, or reset as it closes).
    expect(tail.filter((p) => typeof p.result !== 'string')).toEqual([]);
    // Liveness: 200 for every probe, through the delay and the drain, until the process is gone.
    const live = probes['/livez'];
    const liveUntil = live.findIndex((p) => p.result !== 200);
    const answered = liveUntil === -1 ? live : live.slice(0, liveUntil);
    expect(live.slice(answered.length).filter((p) => typeof p.result !== 'string')).toEqual([]);
    expect(
      answered.some((p) => p.afterDrainLine),
      '/livez answered during the drain',
    ).toBe(true);
    // Requests: none failed; some were sent after SIGTERM, on new and on kept-alive connections.
    expect(requests.filter((r) => r.result !== 200)).toEqual([]);
    expect(requests.filter((r) => r.afterSignal).length).toBeGreaterThanOrEqual(20);
    expect(requests.filter((r) => r.afterSignal && !r.afterDrainLine).length).toBeGreaterThanOrEqual(20);
    // The log says when readiness flipped, then when the drain began.
    const stderr = lb.stderr();
    const flipAt = stderr.search(/not ready: \/readyz answers 503; still serving for 4\.0 s \(drainDelay\)/);
    expect(flipAt).toBeGreaterThan(stderr.search(/SIGTERM: stopping/));
    expect(stderr.search(drainLine)).toBeGreaterThan(flipAt);
  }, 30_000);
});
