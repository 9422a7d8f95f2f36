/**
 * `peerlab dispatcher`: serve the login page and the users' peers; and
 * `peerlab dispatcher add-user NAME --users FILE [--admin]` (password on stdin).
 * Stopping the dispatcher (SIGINT/SIGTERM) leaves the peers running: a restart
 * over the same --state finds them.
 */
import { Command, Option } from 'commander';
import { OptionsError } from '../../peer/options.js';
import { printEvents, type DispatcherEvent, type EventSink } from '../events.js';
import { Dispatcher } from '../server.js';
import { UsersFileError, addUser } from '../users/users-file.js';
import { DEFAULT_STATE_DIR, FLAG_DEFAULTS, parseDispatcherFlags, SPAWNER_KINDS, type DispatcherFlags } from './dispatcher-flags.js';
import { createSpawner } from '../spawners/create-spawner.js';
import { readPassword } from './read-password.js';

/** The `dispatcher` command and its `add-user` subcommand. */
export function dispatcherCommand(): Command {
  const command = new Command('dispatcher')
    .description('web app: log in and get a peer of your own, reverse-proxied at /u/NAME/')
    .exitOverride()
    // `add-user … --users FILE`: the subcommand's --users, not this command's.
    .enablePositionalOptions()
    .option('--listen <host:port>', 'address to serve on (port 0: any free port)', FLAG_DEFAULTS.listen)
    .addOption(new Option('--spawner <kind>', 'how users’ peers are started').choices(SPAWNER_KINDS).default(FLAG_DEFAULTS.spawner))
    .option('--users <file>', 'the users file (peerlab dispatcher add-user)')
    .option('--pool <n>', 'vacant peers kept warm', FLAG_DEFAULTS.pool)
    .option('--idle-timeout <duration>', 'stop a peer after this long without traffic (0: never)', FLAG_DEFAULTS.idleTimeout)
    .option('--max-users <n>', 'peers running at once; one more login gets 429', FLAG_DEFAULTS.maxUsers)
    .option('--state <dir>', 'session key, logout list, the spawner’s state and users’ data', DEFAULT_STATE_DIR)
    .option('--session-ttl <duration>', 'how long a login lasts', FLAG_DEFAULTS.sessionTtl)
    .option('--start-timeout <duration>', 'how long a peer may take to start', FLAG_DEFAULTS.startTimeout)
    .option('--tls-cert <file>', 'serve https with this certificate (PEM); cookies are then Secure')
    .option('--tls-key <file>', 'the certificate’s private key (PEM)')
    .option('--peer-args <flags>', 'extra `peerlab peer` flags for every peer, as one string')
    .option('--json', 'one JSON line per event')
    .action(async (flags: DispatcherFlags) => {
      await runDispatcher(flags);
    });
  command.addCommand(addUserCommand());
  return command;
}

function addUserCommand(): Command {
  return new Command('add-user')
    .description('add a user (or set their password) in the users file; the password is read from stdin')
    .exitOverride()
    .argument('<name>', 'user name: lowercase letters, digits and hyphens, 1–32')
    .requiredOption('--users <file>', 'the users file (created if missing, mode 0600)')
    .option('--admin', 'may use the admin list and stop peers')
    .action(async (name: string, flags: { users: string; admin?: boolean }) => {
      const password = await readPassword();
      try {
        const outcome = await addUser(flags.users, name, password, flags.admin ?? false);
        process.stdout.write(`${outcome} user ${name}${flags.admin ? ' (admin)' : ''} in ${flags.users}\n`);
      } catch (err) {
        if (err instanceof UsersFileError) throw new OptionsError('add-user', err.message);
        throw err;
      }
    });
}

async function runDispatcher(flags: DispatcherFlags): Promise<void> {
  const parsed = parseDispatcherFlags(flags);
  const print = printEvents(process.stdout, parsed.json);
  // The ready line comes first: what happens while starting (the rebuild, the first pool starts) waits for it.
  const early: DispatcherEvent[] = [];
  let emit: EventSink = (event) => early.push(event);
  const spawner = await createSpawner(parsed.spawner, { stateDir: parsed.options.stateDir, startTimeoutMs: parsed.startTimeoutMs, peerArgs: parsed.peerArgs });
  let dispatcher: Dispatcher;
  try {
    dispatcher = await Dispatcher.start(spawner, parsed.options, (event) => emit(event));
  } catch (err) {
    if (err instanceof UsersFileError) throw new OptionsError('--users', err.message);
    throw err;
  }
  const { pool } = dispatcher.context;
  print({
    type: 'ready',
    url: dispatcher.url,
    spawner: spawner.kind,
    pool: parsed.options.poolSize,
    maxUsers: parsed.options.maxUsers,
    idleTimeoutMs: parsed.options.idleTimeoutMs,
    users: (await dispatcher.context.users.names()).length,
    rebuilt: pool.entries().length,
  });
  for (const event of early.splice(0)) print(event);
  emit = print;
  let stopping: Promise<void> | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // Peers keep running (detached): the next dispatcher over this --state rebuilds from them.
      stopping ??= dispatcher.stop().then(() => process.exit(0));
    });
  }
}
