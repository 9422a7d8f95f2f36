/**
 * The docker runtime against the shared runtime conformance suite (the same one the
 * process runtime passes): start, discover, message, kill, stop, restart (same
 * identity), pause, resources, close. Real containers; fails when Docker is missing.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { DockerRuntime } from '../lab/runtimes/docker/docker-runtime.js';
import { LABEL_OWNER_PID } from '../lab/runtimes/docker/docker-client.js';
import { leftovers, PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { runtimeConformance } from './support/runtime-conformance.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

runtimeConformance('docker', () => DockerRuntime.create());

afterAll(async () => {
  // Every runtime the suite made was closed: nothing of this process is left.
  expect(await leftovers(`${LABEL_OWNER_PID}=${process.pid}`)).toEqual({ containers: [], networks: [] });
});
