/** Where signals come from: the process, or a stand-in in tests. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** How {@link runUntilSignal} ended: `stop` finished, or a second signal gave up waiting for it. */
export type StopOutcome = "stopped" | "forced";

/**
 * Waits for SIGINT or SIGTERM, then runs `stop`. A second signal while `stop` runs gives up on it at
 * once ("forced"), as most dev servers do: the caller then exits without waiting. Listens only
 * while it runs, so a signal afterwards has the process's default effect.
 */
export function runUntilSignal(
  stop: () => Promise<unknown>,
  onStopping: (signal: string) => void = () => {},
  source: SignalSource = process,
): Promise<StopOutcome> {
  return new Promise<StopOutcome>((resolve) => {
    let stopping = false;
    const finish = (outcome: StopOutcome) => {
      source.off("SIGINT", onSignal);
      source.off("SIGTERM", onSignal);
      resolve(outcome);
    };
    // Node passes the signal's name to its listeners.
    const onSignal = (signal?: unknown) => {
      if (stopping) return finish("forced");
      stopping = true;
      onStopping(typeof signal === "string" ? signal : "signal");
      stop().then(
        () => finish("stopped"),
        () => finish("stopped"),
      );
    };
    source.on("SIGINT", onSignal);
    source.on("SIGTERM", onSignal);
  });
}
