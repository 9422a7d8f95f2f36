/**
 * Worker-thread entry of the lab's network (lab-network.ts): starts it with the options
 * in workerData, says `{ ready: { proxyPort } }`, then answers each `{ id, command }`
 * with `{ id, answer }` or `{ id, error }`. `{ id, close: true }` closes it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LabNetwork, type LabNetworkOptions, type NetworkCommand } from './lab-network.js';

type Request = { id: number; command: NetworkCommand } | { id: number; close: true };

const port = parentPort!;
try {
  const network = await LabNetwork.start(workerData as LabNetworkOptions);
  port.on('message', (request: Request) => {
    const work = 'close' in request ? network.close().then(() => null) : network.handle(request.command);
    work.then(
      (answer) => port.postMessage({ id: request.id, answer }),
      (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  port.postMessage({ ready: { proxyPort: network.proxy.port } });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
