/**
 * `npm run calibrate`: prints only the fuel calibration, the metered
 * instructions per millisecond of the loop-heavy guest, which
 * `FUEL_PER_CPU_MILLI` should be about. Exit codes: 0 done, 1 failed.
 */
import { calibrateFuel } from "./calibrate-fuel.js";
import { formatCalibrationReport } from "./format-report.js";

const code = await calibrateFuel().then(
  (c) => {
    process.stdout.write(`${formatCalibrationReport(c)}\n`);
    return 0;
  },
  (cause: unknown) => {
    process.stderr.write(
      `calibrate: failed: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`,
    );
    return 1;
  },
);
process.exit(code);
