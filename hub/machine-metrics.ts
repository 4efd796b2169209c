import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A worker asks the primary for the machine's metrics; the primary answers with the text or why not. */
const askMessage = 'yiyang:metrics-ask';
const answerMessage = 'yiyang:metrics-answer';
/** A scrape waits this long for the primary: its scrape timeout is usually 10 s. */
const answerTimeoutMs = 5_000;

interface Ask {
  type: typeof askMessage;
  id: number;
}
interface Answer {
  type: typeof answerMessage;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In the primary of several hub processes: answers a worker's ask with every worker's metrics,
 * gathered and summed by prom-client's AggregatorRegistry (each gauge says how: `sum`, `max`, `min`).
 */
export function answerMetricsAsks(): void {
  const machine = new AggregatorRegistry();
  cluster.on('message', (worker, message: Ask) => {
    if (message?.type !== askMessage) return;
    machine.clusterMetrics().then(
      (text) => worker.send({ type: answerMessage, id: message.id, text } satisfies Answer),
      (error: Error) =>
        worker.send({ type: answerMessage, id: message.id, error: error.message } satisfies Answer),
    );
  });
}

/**
 * In a worker: offers this process's registry to the primary's gathering, and returns how to ask the
 * primary for the machine's metrics (what `/metrics` answers on the shared port).
 */
export function machineWideMetrics(registry: Registry): () => Promise<string> {
  // Its construction makes the worker answer the primary's gathering (prom-client listens then).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const waiting = new Map<number, (answer: Answer) => void>();
  process.on('message', (message: Answer) => {
    if (message?.type === answerMessage) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the primary did not answer within ${answerTimeoutMs} ms`));
      }, answerTimeoutMs);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(answer.error ?? 'no metrics'));
      });
      process.send?.({ type: askMessage, id } satisfies Ask);
    });
}
