import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from './types.js';

/** Versions of peerlab, Node and grpc-js, and the machine this process runs on. */
export function collectEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    versions: { peerlab: peerlabVersion(), node: process.versions.node, grpc_js: grpcVersion() },
    machine: {
      os: os.type(),
      release: os.release(),
      arch: os.arch(),
      cpus: cpus.length,
      cpu_model: cpus[0]?.model.trim() ?? 'unknown',
      memory_mb: Math.round(os.totalmem() / 1024 / 1024),
      hostname: os.hostname(),
    },
  };
}

/** Walks up from this file to the package.json named peerlab (works from src and dist). */
function peerlabVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'peerlab' && pkg.version) return pkg.version;
    } catch {
      // no package.json here; keep walking up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

function grpcVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('@grpc/grpc-js/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
