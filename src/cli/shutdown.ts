/**
 * Long-running commands (start, simulator) run until SIGINT or SIGTERM, then close what
 * they opened. A close that hangs past the deadline ends the process anyway, with exit 1,
 * so a supervisor never waits forever on us.
 */
export interface ShutdownListener {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly received: Promise<NodeJS.Signals>;
  /** Stops listening and lets the process exit (call it in a finally). */
  dispose(): void;
}

/**
 * Listen before starting anything: a signal during start-up must lead to an orderly stop
 * once started, not to the default action (an immediate kill) because no handler was there.
 */
function listenForShutdown(): ShutdownListener {
  // Signal listeners do not keep Node running: without this handle a daemon with nothing
  // open (no carriers configured, say) would exit at once.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = () => {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      dispose();
      resolve(signal);
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { received, dispose };
}

/**
 * Runs a long-running command with the shutdown listener installed before it starts and
 * disposed however it ends (so a command that fails at start-up still lets the process exit).
 */
export async function untilShutdown(run: (shutdown: ShutdownListener) => Promise<void>): Promise<void> {
  const shutdown = listenForShutdown();
  try {
    await run(shutdown);
  } finally {
    shutdown.dispose();
  }
}

export async function closeWithin(deadlineMs: number, close: () => Promise<void>): Promise<void> {
  const timer = setTimeout(() => {
    process.exitCode = 1;
    process.exit();
  }, deadlineMs);
  timer.unref();
  try {
    await close();
  } finally {
    clearTimeout(timer);
  }
}
