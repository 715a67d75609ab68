import os from "node:os";

/** The machine a run was measured on. */
export interface MachineInfo {
  /** Logical CPUs. */
  cpus: number;
  /** The first CPU's model name. */
  cpuModel: string;
  /** Total memory, GiB. */
  memoryGiB: number;
  /** Node version, e.g. "v20.20.2". */
  node: string;
  /** V8 version. */
  v8: string;
  /** e.g. "linux x64". */
  platform: string;
  /** The 1-minute load average when the run started: above about half a CPU, other work was running and the figures are noisier. */
  loadAverage1m: number;
}

/** A 1-minute load average per CPU above this marks the machine as busy in the report. */
export const BUSY_LOAD_PER_CPU = 0.25;

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: os.loadavg()[0] ?? 0,
  };
}
