import { fileURLToPath } from "node:url";

/** The npm name hooks import the PDK by. */
export const PDK_PACKAGE = "@ameide-ext/pdk";

/** Absolute path of the PDK's AssemblyScript sources, `assembly/` in this package. */
export const PDK_ASSEMBLY_DIR: string = fileURLToPath(new URL("../../assembly/", import.meta.url));

/** The compiler's internal path prefix for the PDK's files (`~lib/<package>/`). */
export const PDK_LIB_PREFIX = `~lib/${PDK_PACKAGE}/`;

/** The global alias that routes AssemblyScript's `abort` to the PDK (`--use abort=…`). */
export const PDK_ABORT = `${PDK_LIB_PREFIX}abort/pdkAbort`;
