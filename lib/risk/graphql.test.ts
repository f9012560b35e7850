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

  it("keeps the argument tokens of a field", () => {
    const [field] = scanGraphql('mutation { f(kinds: [], id: "x") }').fields;
    expect(field?.args.map((t) => t.value)).toEqual(["kinds", ":", "[", "]", "id", ":", "x"]);
  });

  it.each([
    ['mutation { a(s: "unterminated) }'],
    ["mutation { a "],
    ["mutation { a } }"],
    ['mutation { a(s: """never closed) }'],
    ["mutation { a(b: 1 }"],
    ["mutation { % }"],
  ])("reports %s as not ok", (doc) => {
    expect(scanGraphql(doc).ok).toBe(false);
  });
});
