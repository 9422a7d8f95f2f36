/** The peerlab package root (where package.json and docker/ are), from dist or source. */
import { dirname, resolve } from 'node:path';
import { PEERLAB_CLI } from '../process/peer-process.js';

/** `<root>/dist/bin/peerlab.js` -> `<root>`. */
export const REPO_ROOT = resolve(dirname(PEERLAB_CLI), '..', '..');
