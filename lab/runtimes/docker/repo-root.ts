/** The peerlab package root (where package.json and docker/ are), from dist or source. */
import { packageRoot } from '../../../peer/package-root.js';

export const REPO_ROOT = packageRoot();
