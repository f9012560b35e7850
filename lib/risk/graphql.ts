// Finds which fields a GraphQL document's mutations call, using the reference parser (the
// `graphql` package, as servers parse documents) and a walk of its AST. Strings, block strings and
// comments never become fields; aliases resolve to the real field name; every operation counts,
// whatever `operationName` picks; fragments and inline fragments are followed into the operations
// that spread them. Not a validator: when the document does not parse, `ok` is false and callers
// must fail closed.
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  Kind,
  Lexer,
  Source,
  TokenKind,
  parse,
} from "graphql";

export type GraphqlOperationType = "query" | "mutation" | "subscription";

export interface GraphqlField {
  name: string;
  /** The field's arguments as parsed (values may be literals or `$variables`). */
  args: readonly ArgumentNode[];
}

export interface GraphqlScan {
  /** False when the document does not parse. */
  ok: boolean;
  /** Operation types in document order; the `{ … }` shorthand counts as a query. */
  operations: GraphqlOperationType[];
  /** Every field selected anywhere in the document (aliases resolved to the real field name). */
  fields: GraphqlField[];
  /**
   * Fields a mutation could run: everything selected under a mutation operation, following
   * fragment spreads and inline fragments, plus the fields of fragments no operation spreads
   * (their type is unknown, so they are kept). Empty when the document has no mutation.
   */
  mutationFields: GraphqlField[];
  /** Fields selected at the top of mutation operations (through fragments too), for messages. */
  rootMutationFields: string[];
  /**
   * Only when the document does not parse: every name token the reference lexer found (so not
   * text inside strings or comments), or null when the document does not even lex. Callers
   * failing closed treat any of these (or, when null, any text at all) as a possible field.
   */
  unparsedNames: string[] | null;
}

/**
 * Selection sets, argument lists and lists nested deeper than this are not parsed (the reference
 * parser recurses, so how deep it gets would otherwise depend on the stack left): fail closed.
 */
export const MAX_GRAPHQL_NESTING = 256;

export function scanGraphql(document: string): GraphqlScan {
  let ast: DocumentNode;
  try {
    if (nestingDepth(document) > MAX_GRAPHQL_NESTING) throw new Error("nested too deeply");
    ast = parse(document, { noLocation: true });
  } catch {
    return { ok: false, operations: [], fields: [], mutationFields: [], rootMutationFields: [], unparsedNames: lexNames(document) };
  }

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of ast.definitions) {
    // A repeated fragment name is invalid; keep the first but still walk every definition below.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) fragments.set(definition.name.value, definition);
  }

  const operations: GraphqlOperationType[] = [];
  const fields: GraphqlField[] = [];
  const mutationFields: GraphqlField[] = [];
  const rootMutationFields: string[] = [];
  /** Fragments reached from some operation (by name). */
  const spread = new Set<string>();

  // Every field in the document, in source order.
  for (const definition of ast.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      collect(definition.selectionSet, fields, null, null);
    }
  }

  for (const definition of ast.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const type = definition.operation as GraphqlOperationType;
    operations.push(type);
    const reached = new Set<string>();
    if (type === "mutation") {
      collect(definition.selectionSet, mutationFields, fragments, reached);
      collectRoot(definition.selectionSet, rootMutationFields, fragments, new Set());
    } else {
      collect(definition.selectionSet, [], fragments, reached);
    }
    for (const name of reached) spread.add(name);
  }

  if (operations.includes("mutation")) {
    for (const [name, fragment] of fragments) {
      if (!spread.has(name)) collect(fragment.selectionSet, mutationFields, null, null);
    }
  }

  return { ok: true, operations, fields, mutationFields, rootMutationFields, unparsedNames: null };
}

/** The deepest nesting of `{`, `(` and `[` in a document; 0 when it does not lex (parse then fails anyway). */
function nestingDepth(document: string): number {
  try {
    const lexer = new Lexer(new Source(document));
    let depth = 0;
    let deepest = 0;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.PAREN_L || token.kind === TokenKind.BRACKET_L) deepest = Math.max(deepest, ++depth);
      else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.PAREN_R || token.kind === TokenKind.BRACKET_R) depth--;
    }
    return deepest;
  } catch {
    return 0;
  }
}

/** The name tokens of a document that lexes but does not parse; null when it does not lex. */
function lexNames(document: string): string[] | null {
  try {
    const lexer = new Lexer(new Source(document));
    const names: string[] = [];
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.kind === TokenKind.NAME && token.value !== undefined) names.push(token.value);
    }
    return names;
  } catch {
    return null;
  }
}

/**
 * Visits the fields under a selection set in document order; `onField` says whether to descend
 * into a field's own selections. With `fragments`, named spreads are followed (each fragment once,
 * recorded in `reached`); without, spreads are skipped. An explicit stack, not recursion: a chain
 * of fragments spreading each other can be as long as the document.
 */
function walkFields(
  selectionSet: SelectionSetNode | undefined,
  onField: (field: FieldNode) => boolean,
  fragments: Map<string, FragmentDefinitionNode> | null,
  reached: Set<string> | null,
): void {
  const pending: (readonly SelectionNode[])[] = [];
  const positions: number[] = [];
  const enter = (set: SelectionSetNode | undefined) => {
    if (!set) return;
    pending.push(set.selections);
    positions.push(0);
  };
  enter(selectionSet);
  while (pending.length > 0) {
    const top = pending.length - 1;
    const selections = pending[top]!;
    const index = positions[top]!;
    if (index >= selections.length) {
      pending.pop();
      positions.pop();
      continue;
    }
    positions[top] = index + 1;
    const selection = selections[index]!;
    switch (selection.kind) {
      case Kind.FIELD:
        if (onField(selection)) enter(selection.selectionSet);
        break;
      case Kind.INLINE_FRAGMENT:
        enter(selection.selectionSet);
        break;
      case Kind.FRAGMENT_SPREAD: {
        if (!fragments || !reached) break;
        const name = selection.name.value;
        if (reached.has(name)) break;
        reached.add(name);
        enter(fragments.get(name)?.selectionSet);
        break;
      }
    }
  }
}

/** Pushes every field under a selection set, with its arguments. */
function collect(
  selectionSet: SelectionSetNode | undefined,
  out: GraphqlField[],
  fragments: Map<string, FragmentDefinitionNode> | null,
  reached: Set<string> | null,
): void {
  walkFields(
    selectionSet,
    (field) => {
      out.push({ name: field.name.value, args: field.arguments ?? [] });
      return true;
    },
    fragments,
    reached,
  );
}

/** Names of the fields at the top level of an operation, looking through fragments. */
function collectRoot(selectionSet: SelectionSetNode | undefined, out: string[], fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): void {
  walkFields(
    selectionSet,
    (field) => {
      out.push(field.name.value);
      return false;
    },
    fragments,
    seen,
  );
}
