/** The Docker API client the docker runtime shares, and the check that Docker answers. */
import Docker from 'dockerode';
import { LabError } from '../errors.js';

let client: Docker | undefined;

/** One dockerode client (DOCKER_HOST or the local socket). */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

/** Throws a LabError (exit 3) that says how to start Docker when the daemon does not answer. */
export async function assertDockerAnswers(timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker().ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LabError(`Docker is not reachable (${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: ${why}); run \`bash scripts/ensure-docker.sh\` (installs docker.io and starts dockerd)`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Labels on everything the docker runtime creates, so cleanup can find it. */
export const LABEL_RUN = 'peerlab.run';
/** The pid of the lab process that owns a container or network (stale-sweep). */
export const LABEL_OWNER_PID = 'peerlab.owner-pid';
export const LABEL_ROLE = 'peerlab.role';
