/**
 * The run's images on every node. There is no registry here (and a user's swarm may have
 * none): the swarm runs a task only on a node that holds its image already. The lab
 * builds the peer and etcd images on its own engine and copies each to every other
 * node's engine that lacks it (`docker save | docker load`, streamed), so a multi-node run
 * needs no step by hand.
 */
import type Docker from 'dockerode';
import { docker } from '../docker/docker-client.js';
import { LabError } from '../errors.js';

/** Copies `image` from the lab's engine to each of `engines` that lacks it. */
export async function copyImageToNodes(image: string, engines: ReadonlyArray<{ name: string; docker: Docker }>, log: (line: string) => void): Promise<void> {
  await Promise.all(
    engines.map(async ({ name, docker: engine }) => {
      if (await hasImage(engine, image)) return;
      log(`copying ${image} to node ${name}`);
      try {
        const saved = await docker().getImage(image).get();
        const loading = (await engine.loadImage(saved, { quiet: true })) as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => {
          engine.modem.followProgress(loading, (err: Error | null) => (err ? reject(err) : resolve()));
        });
      } catch (err) {
        throw new LabError(`could not copy ${image} to node ${name}: ${(err as Error).message}`, { cause: err });
      }
      if (!(await hasImage(engine, image))) throw new LabError(`copied ${image} to node ${name}, but its engine does not list it`);
    }),
  );
}

async function hasImage(engine: Docker, image: string): Promise<boolean> {
  return engine.getImage(image).inspect().then(
    () => true,
    (err: { statusCode?: number }) => {
      if (err.statusCode === 404) return false;
      throw err;
    },
  );
}
