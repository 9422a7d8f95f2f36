/**
 * The page's own files (peer/web/static/: HTML, plain JS modules, CSS; no build
 * step). Read once at start into memory: a request can only ever get one of
 * these files by its exact name, so no path in a URL reaches the disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** Where the files are, in the source tree and beside dist/ in the peer image. */
export const STATIC_DIR = join(packageRoot(), 'peer', 'web', 'static');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

export class StaticFiles {
  private constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  /** Loads every file of `dir` (not its subfolders) of a known type; `/` serves index.html. */
  static async load(dir = STATIC_DIR): Promise<StaticFiles> {
    const files = new Map<string, StaticFile>();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || contentType === undefined) continue;
      files.set(`/${entry.name}`, { body: await readFile(join(dir, entry.name)), contentType });
    }
    const index = files.get('/index.html');
    if (!index) throw new Error(`the web UI's files are missing: no index.html in ${dir}`);
    files.set('/', index);
    return new StaticFiles(files);
  }

  /** The file a URL path names exactly, if any. */
  get(path: string): StaticFile | undefined {
    return this.files.get(path);
  }
}
