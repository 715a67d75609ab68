/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (The pragmas keep JSX right when a runner such as tsx reads another tsconfig than this package's.)
import { render } from "ink";
import { useSyncExternalStore } from "react";
import type { CliDeps } from "../../deps.js";
import { cliInvocation } from "../cli-invocation.js";
import type { CommandName } from "../command-outcome.js";
import { describeFailure, errorHeading } from "../format.js";
import type { Reporter } from "../reporter.js";
import { initialProgress, type ProgressState, reduceProgress } from "./progress-state.js";
import { ProgressView } from "./progress-view.js";

interface Store {
  get(): ProgressState;
  subscribe(listener: () => void): () => void;
}

function LiveView({ store, cwd, cli }: { store: Store; cwd: string; cli: string }) {
  const state = useSyncExternalStore(store.subscribe, store.get);
  return <ProgressView state={state} cwd={cwd} cli={cli} />;
}

/**
 * The interactive view (a terminal, no NO_COLOR): the same events as the
 * plain reporter, folded into a state that ink renders live.
 */
export function createInkReporter(command: CommandName, deps: CliDeps): Reporter {
  let state = initialProgress(command);
  const listeners = new Set<() => void>();
  const set = (next: ProgressState) => {
    state = next;
    for (const l of listeners) l();
  };
  const store: Store = {
    get: () => state,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const stdout = deps.stdout.stream;
  const instance = render(<LiveView store={store} cwd={deps.cwd} cli={cliInvocation(deps)} />, {
    ...(stdout ? { stdout } : {}),
    ...(deps.stderr.stream ? { stderr: deps.stderr.stream } : {}),
    patchConsole: false,
    exitOnCtrlC: true,
  });
  const finish = async () => {
    // Let React commit the last state, then leave the final frame on screen.
    await new Promise((resolve) => setTimeout(resolve, 0));
    instance.unmount();
    await instance.waitUntilExit();
  };
  return {
    event: (e) => set(reduceProgress(state, e)),
    async done(outcome) {
      set({ ...state, outcome });
      await finish();
    },
    async fail(error) {
      set({
        ...state,
        error: { heading: errorHeading(error), text: await describeFailure(error, deps.cwd) },
      });
      await finish();
    },
  };
}
