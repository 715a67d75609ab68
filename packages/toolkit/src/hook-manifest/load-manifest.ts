import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { parseJsonFile } from "../json/parse-json.js";
import { compileUserSchema, createSchemaCheck, type SchemaProblem } from "../json/validate-schema.js";
import type { HookFs } from "../toolkit-deps.js";
import { type HookManifest, MANIFEST_FILE, MANIFEST_SCHEMA } from "./manifest-schema.js";

/** A checked manifest, with its input and output schemas compiled. */
export interface LoadedManifest {
  /** The manifest, defaults filled in. */
  manifest: HookManifest;
  /** Absolute path of `extension.json`. */
  file: string;
  /** Problems of an input against `input_schema` (none when there is no schema). */
  checkInput(value: unknown): SchemaProblem[];
  /** Problems of an output against `output_schema` (none when there is no schema). */
  checkOutput(value: unknown): SchemaProblem[];
}

const checkShape = createSchemaCheck<HookManifest>(MANIFEST_SCHEMA);
const none = (): SchemaProblem[] => [];

/**
 * Checks a parsed manifest: the schema, then the rules across fields. Throws
 * `invalid_argument/invalid_manifest` listing every problem with its field;
 * `details` is `{ file, problems: [{ field, message }] }`. `file` only names
 * the manifest in messages.
 */
export function checkManifest(value: unknown, file: string = MANIFEST_FILE): LoadedManifest {
  const shape = checkShape(value);
  if (!shape.ok) throw manifestError(file, shape.problems);
  const manifest = shape.value;
  const problems: SchemaProblem[] = [];
  const tier = manifest.risk_tier;
  if (tier === "low" && manifest.host_calls.length > 0) {
    problems.push({
      field: "host_calls",
      message: `risk tier low allows no host calls, but ${manifest.host_calls.length} ${manifest.host_calls.length === 1 ? "is" : "are"} listed; use risk_tier "medium" for read-only calls or "high"`,
    });
  }
  if (tier === "medium") {
    manifest.host_calls.forEach((call, i) => {
      if (!call.read_only) {
        problems.push({
          field: `host_calls[${i}].read_only`,
          message: `risk tier medium allows read-only calls only, but ${call.service}.${call.method} is not read_only; set read_only: true or use risk_tier "high"`,
        });
      }
    });
  }
  if (tier === "low" && (manifest.limits.host_calls_per_invocation ?? 0) > 0) {
    problems.push({
      field: "limits.host_calls_per_invocation",
      message: `risk tier low allows no host calls, got ${manifest.limits.host_calls_per_invocation}`,
    });
  }
  const compile = (field: "input_schema" | "output_schema") => {
    const schema = manifest[field];
    if (schema === undefined) return none;
    try {
      return compileUserSchema({ ...schema });
    } catch (cause) {
      problems.push({
        field,
        message: `is not a valid JSON Schema: ${cause instanceof Error ? cause.message : String(cause)}`,
      });
      return none;
    }
  };
  const checkInput = compile("input_schema");
  const checkOutput = compile("output_schema");
  if (problems.length > 0) throw manifestError(file, problems);
  return { manifest, file, checkInput, checkOutput };
}

/**
 * Reads and checks `<dir>/extension.json`. Throws `not_found` when the
 * folder has no manifest, `invalid_argument/invalid_manifest` when it is not
 * JSON or not a valid manifest.
 */
export async function loadManifest(dir: string, fs: HookFs, displayDir = dir): Promise<LoadedManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const shown = path.join(displayDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readText(file);
  } catch {
    const kind = await fs.kind(dir);
    throw new ExtensionError(
      "not_found",
      kind === "dir"
        ? `${displayDir} is not a hook folder: it has no ${MANIFEST_FILE} (create a hook with "ameide-ext new <name> --kind <kind>")`
        : `${displayDir} does not exist or is not a folder`,
      undefined,
      { file: shown },
    );
  }
  const loaded = checkManifest(parseJsonFile(text, shown, "invalid_manifest"), shown);
  return { ...loaded, file };
}

function manifestError(file: string, problems: SchemaProblem[]): ExtensionError {
  const lines = problems.map((p) => `  ${p.field}: ${p.message}`).join("\n");
  const noun = problems.length === 1 ? "problem" : "problems";
  return new ExtensionError(
    "invalid_argument",
    `${file} is not a valid manifest (${problems.length} ${noun}):\n${lines}`,
    "invalid_manifest",
    { file, problems },
  );
}
