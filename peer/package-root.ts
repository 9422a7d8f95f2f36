/** Where the peerlab package is on disk: files that ship beside the code (the web UI's static files). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json is), from this file's place in the source tree or in dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the peerlab package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
