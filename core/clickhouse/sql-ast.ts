// The engine's own parse tree, read from `EXPLAIN AST <query>` output.
//
// Every line is one node: its depth is the number of leading spaces, then the node
// kind, then kind-specific text, then `(alias x)` and `(children n)`. Literals are
// printed escaped, but identifiers are printed raw, so an identifier holding a
// newline could forge lines; the guard refuses such identifiers before it gets here
// and this parser refuses any output whose shape is inconsistent (one root, depth
// steps of one, child counts that match), so a forged line fails closed.

export interface AstNode {
  kind: string;
  /** Text after the kind, without the alias and children suffixes (a function or table name, a literal). */
  text: string;
  alias: string | null;
  depth: number;
  children: AstNode[];
  parent: AstNode | null;
}

export class AstShapeError extends Error {
  override name = 'AstShapeError';
}

const LINE = /^( *)([A-Za-z_][A-Za-z0-9_:]*)(.*)$/;
const CHILDREN = / \(children (\d+)\)$/;
const ALIAS = / \(alias (.*)\)$/;

export function parseExplainAst(output: string): AstNode {
  const lines = output.replace(/\n+$/, '').split('\n');
  if (lines.length === 0 || lines[0] === '') throw new AstShapeError('empty parse tree');
  const stack: AstNode[] = [];
  const declared = new Map<AstNode, number>();
  let root: AstNode | null = null;
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) throw new AstShapeError(`unexpected parse tree line: ${JSON.stringify(line.slice(0, 80))}`);
    const depth = m[1].length;
    let rest = m[3];
    let count = 0;
    const c = CHILDREN.exec(rest);
    if (c) {
      count = Number(c[1]);
      rest = rest.slice(0, c.index);
    }
    let alias: string | null = null;
    const a = ALIAS.exec(rest);
    if (a) {
      alias = a[1];
      rest = rest.slice(0, a.index);
    }
    const node: AstNode = { kind: m[2], text: rest.trim(), alias, depth, children: [], parent: null };
    declared.set(node, count);
    if (depth === 0) {
      if (root) throw new AstShapeError('more than one statement in the parse tree');
      root = node;
    } else {
      if (depth > stack.length) throw new AstShapeError('parse tree depth skips a level');
      const parent = stack[depth - 1];
      node.parent = parent;
      parent.children.push(node);
    }
    stack.length = depth;
    stack.push(node);
  }
  for (const [node, count] of declared) {
    if (node.children.length !== count) throw new AstShapeError(`parse tree node ${node.kind} declares ${count} children but has ${node.children.length}`);
  }
  return root!;
}

export function* walk(node: AstNode): Generator<AstNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

/** The called name of a `Function` node (the text up to the first space). */
export function functionName(node: AstNode): string {
  return node.text.split(' ')[0] ?? '';
}
