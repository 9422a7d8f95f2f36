import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../peer/package-root.js';
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

/** The version in peerlab's own package.json (found from src and dist alike). */
function peerlabVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function grpcVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('@grpc/grpc-js/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
