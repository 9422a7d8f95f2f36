/**
 * `peerlab peer`: flags to options, start the peer and its control API, run
 * the command loop, stop cleanly on /quit, end of input or a signal. With
 * `--vacant`, wait for a claim first (vacant.ts).
 */
import { Command } from 'commander';
import { ControlServer, resolveControlToken } from '../control/control-server.js';
import type { PeerEvent } from '../events.js';
import { Peer } from '../peer.js';
import { validatePeerOptions, type PeerOptions } from '../options.js';
import { WebServer } from '../web/web-server.js';
import { webLoginLine } from './human-format.js';
import { missingRequiredFlag, optionsFromFlags, peerOptions } from './peer-flags.js';
import { runRepl } from './repl.js';
import { serveVacant, VACANT_PLACEHOLDER_NAME } from './vacant.js';

/** The `peer` subcommand; its flags come from the settings table (peer/settings.ts). */
export function peerCommand(): Command {
  const command = new Command('peer')
    .description('run a messenger peer: discovers peers, opens encrypted sessions, reads commands on stdin')
    // A bad flag is a usage error: thrown to bin/peerlab.ts, which exits 64 (commander alone would exit 1).
    .exitOverride()
    .action(async (flags: PeerFlags, self: Command) => {
      await runPeer(flags, self);
    });
  for (const option of peerOptions()) command.addOption(option);
  return command;
}

/** Parsed flags: the settings (see optionsFromFlags) and the output flags. */
interface PeerFlags extends Record<string, unknown> {
  vacant?: string;
  json?: boolean;
  color: boolean;
  stdin: boolean;
}

async function runPeer(flags: PeerFlags, command: Command): Promise<void> {
  const missing = missingRequiredFlag(flags);
  if (missing !== undefined) command.error(missing, { exitCode: 1, code: 'commander.missingMandatoryOptionValue' });
  const json = flags.json ?? false;
  if (flags.vacant === undefined) return runStarted(flags, await startPeer(optionsFromFlags(flags)));
  // Vacant: the claim brings the name and the data dir; the other flags are checked now, so a bad one fails before any claim.
  const options = validatePeerOptions(optionsFromFlags({ ...flags, name: VACANT_PLACEHOLDER_NAME }));
  let started: StartedPeer | undefined;
  await serveVacant({
    options,
    announce: (event) => process.stdout.write(json ? `${JSON.stringify(event)}\n` : `vacant: waiting for a claim on http://${event.claimHost}:${event.claimPort}/claim\n`),
    startClaimed: async (claimed) => {
      started = await startPeer(claimed);
      return started.ready;
    },
  });
  await runStarted(flags, started!);
}

/** A started peer, its control API, its ready event and the events heard before it was printed. */
interface StartedPeer {
  peer: Peer;
  ready: Extract<PeerEvent, { type: 'ready' }>;
  early: PeerEvent[];
  /** The web UI, when --web; its one-time login URL when standalone (no --web-token). */
  web: WebServer | undefined;
  webLoginUrl: string | undefined;
  stop: () => Promise<void>;
}

/** Starts the peer and its control API; stops on SIGINT/SIGTERM. */
async function startPeer(options: PeerOptions): Promise<StartedPeer> {
  const peer = await Peer.start(options);
  // Startup problems (store damage) go to stderr whatever the output mode, so a person or a log sees them.
  for (const event of peer.startupEvents) if (event.type === 'error') process.stderr.write(`peerlab: ${event.message}\n`);
  // Peers are heard from the moment discovery starts: hold those events until the ready line is out.
  const early: PeerEvent[] = [];
  const hold = (event: PeerEvent) => early.push(event);
  peer.events.on('event', hold);
  let control: ControlServer | undefined;
  let web: WebServer | undefined;
  try {
    if (options.web.listen !== undefined) web = await WebServer.start(peer, { listen: options.web.listen, token: options.web.token });
    if (options.controlPort !== -1) {
      const token = await resolveControlToken(options.dataDir, options.controlToken);
      control = await ControlServer.start(peer, options.controlHost, options.controlPort, token, web?.port ?? 0);
    }
  } catch (err) {
    await web?.stop();
    await peer.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await web?.stop();
      await control?.stop();
      await peer.stop();
    })());
  // Standalone (no --web-token), the way in is a one-time login URL: on the terminal and in the ready line.
  const webLoginUrl = web?.newLoginUrl();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(0)));
  }
  const ready = {
    type: 'ready' as const,
    atMs: Date.now(),
    id: peer.identity.id,
    name: options.name,
    fingerprint: peer.identity.fingerprint,
    grpcPort: peer.grpcPort,
    controlPort: control?.port ?? 0,
    webPort: web?.port ?? 0,
    ...(webLoginUrl ? { webLoginUrl } : {}),
  };
  peer.events.off('event', hold);
  return { peer, ready, early, web, webLoginUrl, stop };
}

/** Prints the ready line and the events, or runs the command loop, until the peer stops. */
async function runStarted(flags: PeerFlags, { peer, ready, early, web, webLoginUrl, stop }: StartedPeer): Promise<void> {
  const json = flags.json ?? false;
  if (!flags.stdin) {
    // No command loop: print events until a signal stops us.
    const write = (event: PeerEvent) => {
      if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    };
    if (!json && webLoginUrl) process.stdout.write(`${webLoginLine(webLoginUrl)}\n`);
    for (const event of [ready, ...peer.startupEvents, ...early]) write(event);
    peer.events.on('event', write);
    return;
  }
  const colour = flags.color && Boolean(process.stdout.isTTY);
  // On a terminal the stderr line already said it; JSON output carries every event.
  const startup = json ? peer.startupEvents : [];
  await runRepl(peer, {
    json,
    colour,
    input: process.stdin,
    output: process.stdout,
    initialEvents: [ready, ...startup, ...early],
    ...(web ? { newWebLoginUrl: () => web.newLoginUrl() } : {}),
  });
  await stop();
  process.exit(0);
}
