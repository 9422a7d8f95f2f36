/**
 * For the Docker tests: Docker must answer, or the tests fail (never skip: with
 * CI=true a missing Docker must fail the run), and what a run created can be listed.
 */
import { assertDockerAnswers, docker } from '../../lab/runtimes/docker/docker-client.js';
import { ensurePeerImage } from '../../lab/runtimes/docker/peer-image.js';

/** Long enough to build the base and the peer image cold (about 25 s here). */
export const PREPARE_TIMEOUT_MS = 180_000;

/** Throws a clear error when Docker does not answer, then builds the peer image if needed; call it in beforeAll. */
export async function requireDocker(): Promise<void> {
  try {
    await assertDockerAnswers();
  } catch (err) {
    const ci = process.env.CI === 'true' ? ' (CI=true: the Docker tests fail rather than skip)' : '';
    throw new Error(`Docker tests need a Docker engine${ci}: ${(err as Error).message}`, { cause: err });
  }
  // Built once here, so no test's own time goes into a cold image build.
  await ensurePeerImage();
}

/** Containers and networks still present with this label (`key` or `key=value`). */
export async function leftovers(label: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = JSON.stringify({ label: [label] });
  const [containers, networks] = await Promise.all([docker().listContainers({ all: true, filters }), docker().listNetworks({ filters })]);
  return { containers: containers.map((c) => c.Names[0] ?? c.Id), networks: networks.map((n) => n.Name) };
}
