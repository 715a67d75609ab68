import ts from "typescript";

/** A computed `import(…)` or `require(…)` argument, by its offsets in the module's text. */
export interface ComputedImport {
  start: number;
  end: number;
}

/**
 * The `import(…)` and `require(…)` calls of a module whose argument is
 * computed: a template with substitutions or a `+` of strings (or a `?:`
 * with one in a branch). esbuild
 * expands such an argument as a glob, walking the folders it names (`../../..`
 * included) without asking any plugin, so the build refuses them before
 * esbuild parses the module. A hook has no use for them: QuickJS loads
 * nothing at run time.
 */
export function computedImports(fileName: string, text: string): ComputedImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKind(fileName));
  const found: ComputedImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isImportOrRequire(node.expression)) {
      const arg = node.arguments[0];
      if (arg !== undefined && isComputed(arg))
        found.push({ start: arg.getStart(source), end: arg.getEnd() });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isImportOrRequire(callee: ts.Expression): boolean {
  return (
    callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")
  );
}

function isComputed(arg: ts.Expression): boolean {
  let bare = arg;
  // Parentheses and type assertions are gone by the time esbuild looks at the argument.
  while (
    ts.isParenthesizedExpression(bare) ||
    ts.isAsExpression(bare) ||
    ts.isSatisfiesExpression(bare) ||
    ts.isTypeAssertionExpression(bare) ||
    ts.isNonNullExpression(bare)
  )
    bare = bare.expression;
  // esbuild makes each branch of a `?:` an import of its own.
  if (ts.isConditionalExpression(bare)) return isComputed(bare.whenTrue) || isComputed(bare.whenFalse);
  return (
    ts.isTemplateExpression(bare) ||
    (ts.isBinaryExpression(bare) && bare.operatorToken.kind === ts.SyntaxKind.PlusToken)
  );
}

function scriptKind(fileName: string): ts.ScriptKind {
  return /\.[cm]?ts$/.test(fileName) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
}
