/**
 * testcontainers reads its settings from the environment. Imported (for its side
 * effect) before testcontainers itself: Ryuk is off (its image cannot be pulled here; the
 * runtime removes what it creates, by label), and the Docker host is localhost (the
 * machine has /.dockerenv, so testcontainers would otherwise think it runs in a container
 * and pull alpine to find the gateway). A user's own settings win.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

export {};
