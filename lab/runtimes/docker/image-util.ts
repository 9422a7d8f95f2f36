/** Small Docker image helpers: exists, pull, build (through testcontainers). */
import './testcontainers-env.js';
import { GenericContainer } from 'testcontainers';
import { docker } from './docker-client.js';

/** Whether an image with this name (or id) is present locally. */
export async function imageExists(name: string): Promise<boolean> {
  try {
    await docker().getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The local image id of `name`. */
export async function imageId(name: string): Promise<string> {
  return (await docker().getImage(name).inspect()).Id;
}

/** Pulls `name`; resolves false (with the reason) when it cannot be pulled. */
export async function tryPull(name: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const stream = await docker().pull(name);
    await new Promise<void>((resolve, reject) => {
      docker().modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((o) => o.error);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.error));
        else resolve();
      });
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Builds `context` (its Dockerfile) as `tag`; kept after the process exits (it is a cache). */
export async function buildImage(context: string, tag: string, buildArgs: Record<string, string>): Promise<void> {
  await GenericContainer.fromDockerfile(context).withBuildArgs(buildArgs).build(tag, { deleteOnExit: false });
}

/** Gives `image` a second name, `repo[:tag]`. */
export async function tagImage(image: string, name: string): Promise<void> {
  const colon = name.lastIndexOf(':');
  const [repo, tag] = colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
  await docker().getImage(image).tag({ repo, tag });
}
