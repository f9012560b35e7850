import { describe, expect, it } from "vitest";
import { scanGraphql } from "./graphql";

const fieldNames = (doc: string) => scanGraphql(doc).fields.map((f) => f.name);

describe("scanGraphql", () => {
  it("lists operations in order, the shorthand counting as a query", () => {
    expect(scanGraphql("{ me { id } } mutation M { a } subscription S { b } query Q { c }").operations).toEqual(["query", "mutation", "subscription", "query"]);
  });

  it("resolves aliases to the real field name", () => {
    expect(fieldNames('mutation { x: volumeDelete(volumeId: "v") { id } }')).toEqual(["volumeDelete", "id"]);
    expect(scanGraphql('mutation { x: volumeDelete(volumeId: "v") }').rootMutationFields).toEqual(["volumeDelete"]);
  });

  it("ignores names in strings, block strings and comments", () => {
    const doc = 'mutation { a(s: "volumeDelete", t: """ serviceDelete { } """) # projectDelete\n }';
    const scan = scanGraphql(doc);
    expect(scan.ok).toBe(true);
    expect(scan.fields.map((f) => f.name)).toEqual(["a"]);
  });

  it("ignores argument names and values, variables, directives and type conditions", () => {
    const doc = "mutation M($volumeDelete: ID = volumeDelete) @serviceDelete { ... on Mutation @projectDelete(if: true) { real(arg: {volumeDelete: 1}) } }";
    expect(fieldNames(doc)).toEqual(["real"]);
  });

  it("does not take fragment names for fields, but sees fields inside fragments", () => {
    const scan = scanGraphql("mutation { ...volumeDelete } fragment volumeDelete on Mutation { serviceDelete(id: 1) }");
    expect(scan.fields.map((f) => f.name)).toEqual(["serviceDelete"]);
    expect(scan.operations).toEqual(["mutation"]);
  });

  it("keeps the parsed arguments of a field", () => {
    const [field] = scanGraphql('mutation { f(kinds: [], id: "x") }').fields;
    expect(field?.args.map((a) => [a.name.value, a.value.kind])).toEqual([
      ["kinds", "ListValue"],
      ["id", "StringValue"],
    ]);
  });

  it("sees a destructive mutation behind an alias", () => {
    const scan = scanGraphql('mutation { keep: volumeDelete(volumeId: "v") { id } }');
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["volumeDelete", "id"]);
    expect(scan.rootMutationFields).toEqual(["volumeDelete"]);
  });

  it("counts every mutation in the document, whatever operationName would pick", () => {
    const scan = scanGraphql('query Harmless { me { id } }\nmutation Wipe { projectDelete(id: "p") }');
    expect(scan.operations).toEqual(["query", "mutation"]);
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["projectDelete"]);
    expect(scan.rootMutationFields).toEqual(["projectDelete"]);
  });

  it("follows fragment spreads and inline fragments into mutations", () => {
    const doc = 'mutation { ...Outer } fragment Outer on Mutation { ... on Mutation { ...Inner } } fragment Inner on Mutation { a: serviceDelete(id: "s") }';
    const scan = scanGraphql(doc);
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["serviceDelete"]);
    expect(scan.rootMutationFields).toEqual(["serviceDelete"]);
  });

  it("survives fragment cycles", () => {
    const scan = scanGraphql("mutation { ...A } fragment A on Mutation { x ...B } fragment B on Mutation { y ...A }");
    expect(scan.ok).toBe(true);
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["x", "y"]);
  });

  it("keeps query fields out of mutationFields, but keeps fragments nothing spreads", () => {
    const scan = scanGraphql("query Q { volumeDelete } mutation M { a } fragment Orphan on Mutation { environmentDelete }");
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["a", "environmentDelete"]);
    expect(scanGraphql("query Q { ...F } fragment F on Query { me }").mutationFields).toEqual([]);
  });

  it("does not take a mutation name in a string argument or a comment for a field", () => {
    const scan = scanGraphql('mutation {\n  # volumeDelete(volumeId: "v")\n  variableUpsert(input: {name: "serviceDelete", value: """projectDelete"""})\n}');
    expect(scan.ok).toBe(true);
    expect(scan.mutationFields.map((f) => f.name)).toEqual(["variableUpsert"]);
  });

  it.each([
    ['mutation { a(s: "unterminated) }'],
    ["mutation { a "],
    ["mutation { a } }"],
    ['mutation { a(s: """never closed) }'],
    ["mutation { a(b: 1 }"],
    ["mutation { % }"],
    ['mutation { volumeDelete(volumeId: "v") '],
    ["mutation { ...on }"],
  ])("reports %s as not ok", (doc) => {
    const scan = scanGraphql(doc);
    expect(scan.ok).toBe(false);
    expect(scan.mutationFields).toEqual([]);
  });
});

describe("adversarial documents", () => {
  it("follows a chain of twenty thousand fragments to the mutation at its end", () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => `fragment f${i} on Mutation { ...f${i + 1} }`).join(" ");
    const scan = scanGraphql(`mutation { ...f0 } ${chain} fragment f20000 on Mutation { volumeDelete(volumeId: "v") }`);
    expect(scan.ok).toBe(true);
    expect(scan.mutationFields.map((f) => f.name)).toContain("volumeDelete");
    expect(scan.rootMutationFields).toEqual(["volumeDelete"]);
  });

  it("refuses to parse selections nested deeper than any real query, whatever the stack", () => {
    const scan = scanGraphql(`query { ${"a { ".repeat(3000)}b${" }".repeat(3000)} }`);
    expect(scan.ok).toBe(false);
    expect(scan.unparsedNames).toContain("b");
    expect(scanGraphql(`query { ${"a { ".repeat(100)}b${" }".repeat(100)} }`).ok).toBe(true);
  });
});
