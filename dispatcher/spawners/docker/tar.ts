/**
 * Just enough tar (POSIX ustar, plus the pax and GNU long-name records Docker may write)
 * to move a user's data dir into a container and back through Docker's archive API.
 * Unpacking is strict, since the archive comes out of a container a user controls:
 * only regular files and directories, every path relative and inside the target, no
 * links, a size limit; anything else is refused with an error naming the entry.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading `/`; directories without a trailing one. */
  path: string;
  type: 'file' | 'dir';
  mode: number;
  data?: Buffer;
  mtimeMs?: number;
}

/** The entries of `dir`, recursively, under `prefix` (directories first, then their contents); `skip` names to leave out. */
export async function entriesOf(dir: string, prefix: string, skip: (name: string) => boolean = () => false): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const walk = async (from: string, at: string) => {
    const info = await stat(from);
    entries.push({ path: at, type: 'dir', mode: info.mode & 0o7777, mtimeMs: info.mtimeMs });
    for (const item of (await readdir(from, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (skip(item.name)) continue;
      const path = join(from, item.name);
      if (item.isDirectory()) await walk(path, `${at}/${item.name}`);
      else if (item.isFile()) {
        const fileInfo = await stat(path);
        entries.push({ path: `${at}/${item.name}`, type: 'file', mode: fileInfo.mode & 0o7777, data: await readFile(path), mtimeMs: fileInfo.mtimeMs });
      }
    }
  };
  await walk(dir, prefix);
  return entries;
}

/** A tar archive of `entries`. */
export function pack(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(entry, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The header block(s) of an entry: a path too long for ustar goes in a pax record before it. */
function header(entry: TarEntry, size: number): Buffer {
  const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  if (Buffer.byteLength(name) <= 100) return ustarHeader(name, entry.type === 'dir' ? '5' : '0', entry.mode, size, entry.mtimeMs);
  const record = paxRecord('path', name);
  return Buffer.concat([
    ustarHeader('PaxHeader', 'x', 0o644, record.length, entry.mtimeMs),
    record,
    Buffer.alloc((BLOCK - (record.length % BLOCK)) % BLOCK),
    ustarHeader(name.slice(-99).replace(/^\/+/, ''), entry.type === 'dir' ? '5' : '0', entry.mode, size, entry.mtimeMs),
  ]);
}

/** `LEN key=value\n`, where LEN counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

function ustarHeader(name: string, type: string, mode: number, size: number, mtimeMs = Date.now()): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, Math.floor(mtimeMs / 1000));
  block.write(type, 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

function octal(block: Buffer, at: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'latin1');
}

function text(block: Buffer, at: number, width: number): string {
  const raw = block.subarray(at, at + width);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? width : end).toString('utf8');
}

function number(block: Buffer, at: number, width: number): number {
  const value = text(block, at, width).trim();
  return value === '' ? 0 : parseInt(value, 8);
}

/** The entries of a tar archive; throws on anything but files and directories. */
export function unpack(archive: Buffer, maxBytes: number): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let total = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    const size = number(block, 124, 12);
    const type = String.fromCharCode(block[156]!);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (data.length < size) throw new Error('the archive ends inside an entry');
    const prefix = text(block, 345, 155);
    let path = longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    longName = undefined;
    if (type === 'x') {
      // pax: `LEN key=value\n` records; only the path matters here.
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
      continue;
    }
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'g') continue;
    path = path.replace(/\/+$/, '');
    if (type === '5') entries.push({ path, type: 'dir', mode: number(block, 100, 8) });
    else if (type === '0' || type === '\0') {
      total += size;
      if (total > maxBytes) throw new Error(`the archive holds more than ${maxBytes} bytes`);
      entries.push({ path, type: 'file', mode: number(block, 100, 8), data: Buffer.from(data) });
    } else throw new Error(`refusing the archive entry ${JSON.stringify(path)} of type ${JSON.stringify(type)}: only files and directories`);
  }
  return entries;
}

/** Writes `entries` under `dest`, stripping `strip` from each path; refuses any path that would leave `dest`. */
export async function writeEntries(entries: TarEntry[], dest: string, strip: string): Promise<void> {
  await mkdir(dest, { recursive: true, mode: 0o700 });
  for (const entry of entries) {
    if (entry.path !== strip && !entry.path.startsWith(`${strip}/`)) throw new Error(`archive entry ${JSON.stringify(entry.path)} is outside ${strip}/`);
    const relative = entry.path.slice(strip.length + 1);
    if (relative === '') continue;
    const target = normalize(join(dest, relative));
    if (relative.startsWith('/') || relative.split('/').includes('..') || !target.startsWith(dest + sep)) {
      throw new Error(`archive entry ${JSON.stringify(entry.path)} leaves the data dir`);
    }
    // Owner-only, whatever the archive says: the state dir is the dispatcher's.
    if (entry.type === 'dir') await mkdir(target, { recursive: true, mode: 0o700 });
    else {
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(target, entry.data ?? Buffer.alloc(0), { mode: entry.mode & 0o700 || 0o600 });
    }
  }
}
