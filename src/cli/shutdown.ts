/**
 * Long-running commands (start, simulator) run until SIGINT or SIGTERM, then close what
 * they opened. A close that hangs past the deadline ends the process anyway, with exit 1,
 * so a supervisor never waits forever on us.
 */
export function waitForShutdown(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal listeners do not keep Node running: without this handle a daemon with nothing
    // open (no carriers configured, say) would exit at once.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const onSignal = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
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
