/** The docker runtime and the peer image (`peerlab lab image`). */
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.js';
export { ensurePeerImage, DEFAULT_BASE, type PeerImage, type PeerImageOptions } from './peer-image.js';
export { assertDockerAnswers } from './docker-client.js';
