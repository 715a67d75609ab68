import type { ExtensionErrorData } from "@ameide-ext/contract";
import type { TestResultRecord } from "../domain/types.js";

/** A compiler warning, as the compile child reports it. */
export interface ChildWarning {
  /** Absolute path of the file, or a compiler path such as `~lib/array.ts`. */
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/**
 * The one document the compile child writes on its result pipe (fd 3): the
 * build and fixture results of `ameide-ext test`, or the error it refused with.
 */
export type CompileChildMessage =
  | {
      t: "built";
      /** True when every fixture passed. */
      ok: boolean;
      warnings: ChildWarning[];
      /** SHA-256 of the component, lowercase hex. */
      sha256: string;
      /** The component, base64. */
      componentBase64: string;
      /** One per fixture, as the compile record stores it. */
      tests: TestResultRecord[];
    }
  | { t: "refused"; error: ExtensionErrorData };

/** The file descriptor of the child's result pipe: stdout and stderr stay free for whatever a library prints. */
export const RESULT_FD = 3;
