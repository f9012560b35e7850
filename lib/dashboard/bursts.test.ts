import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "../risk/engine";
import { operationTemplate } from "../risk/template";
import { summarizeBurst, type BurstMember } from "./bursts";

const target = { environment: "production", resource: "postgres/main" };
const sql = (text: string) => ({ kind: "sql", target, sql: text });
const measuredDelete = (rows: number | null, table = "public.items", via: string | null = null) => ({
  summary: "Deletes …",
  details: "",
  measured: { tables: [{ table, action: "delete", rows, totalRows: 200, sizeBytes: 8192, via, statement: 1 }], fingerprints: {}, incomplete: false },
});

beforeAll(async () => {
  await loadRiskEngine();
});

describe("operation templates", () => {
  it("are equal for SQL that differs only in literals, spacing and case, and show placeholders", () => {
    const a = operationTemplate(sql("DELETE FROM items WHERE id = 7;"));
    const b = operationTemplate(sql("delete   from items where id=8"));
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(a?.text).toBe("DELETE FROM items WHERE id = $1;");
    expect(operationTemplate(sql("DELETE FROM orders WHERE id = 7"))?.fingerprint).not.toBe(a?.fingerprint);
  });

  it("keep unparseable SQL apart unless identical", () => {
    expect(operationTemplate(sql("DELETE FRM items 1"))?.fingerprint).not.toBe(operationTemplate(sql("DELETE FRM items 2"))?.fingerprint);
  });

  it.each([
    [{ kind: "http", target, method: "delete", url: "https://api.example.com/v1/users/123?x=1" }, "DELETE api.example.com/v1/users/{id}"],
    [{ kind: "http", target, method: "DELETE", url: "https://api.example.com/v1/volumes/vol-0a1b2c3d4e5f60718" }, "DELETE api.example.com/v1/volumes/{id}"],
    [{ kind: "mcp", target, tool: "delete_file", arguments: { path: "/a", recursive: true } }, "delete_file(path, recursive)"],
    [{ kind: "custom", target, action: "volume.delete", params: { id: "v1" } }, "volume.delete(id)"],
    [{ kind: "shell", target, command: "kill -9 4242" }, "kill -? ?"],
  ])("name the shape of other kinds: %j", (operation, text) => {
    expect(operationTemplate(operation)?.text).toBe(text);
  });
});

describe("a burst's summary", () => {
  it("has the shared template, the highest risk and the rows all members delete together", () => {
    const members: BurstMember[] = Array.from({ length: 50 }, (_, i) => ({
      operation: sql(`DELETE FROM items WHERE id = ${i + 1};`),
      plannedEffect: measuredDelete(1),
      riskLevel: i === 17 ? "high" : "medium",
    }));
    expect(summarizeBurst(members)).toEqual({
      template: "DELETE FROM items WHERE id = $1;",
      templates: 1,
      effect: "Together: deletes 50 rows in `public.items` (all 50 measured).",
      measured: 50,
      riskLevel: "high",
    });
  });

  it("says how many were measured, what could not be counted and what foreign keys carry", () => {
    const summary = summarizeBurst([
      { operation: sql("DELETE FROM items WHERE id = 1"), plannedEffect: measuredDelete(2), riskLevel: "medium" },
      { operation: sql("DELETE FROM items WHERE id = 2"), plannedEffect: { summary: "x", details: "", measured: { ...measuredDelete(null).measured, tables: [...measuredDelete(null).measured.tables, ...measuredDelete(4, "public.item_tags", "item_tags_item_id_fkey").measured.tables] } }, riskLevel: "medium" },
      { operation: sql("DELETE FROM items WHERE id = 3"), plannedEffect: null, riskLevel: "low" },
    ]);
    expect(summary.effect).toBe("Together: deletes 2 rows (some not counted) in `public.items`; through foreign keys, deletes 4 rows in `public.item_tags` (2 of 3 measured).");
    expect(summary.measured).toBe(2);
  });

  it("has no template when members differ, and no effect when none was measured", () => {
    const summary = summarizeBurst([
      { operation: sql("DELETE FROM items WHERE id = 1"), plannedEffect: null, riskLevel: "medium" },
      { operation: sql("DROP TABLE items"), plannedEffect: null, riskLevel: "critical" },
      { operation: sql("DELETE FROM items WHERE id = 2"), plannedEffect: null, riskLevel: "medium" },
    ]);
    expect(summary).toMatchObject({ template: null, templates: 2, effect: null, measured: 0, riskLevel: "critical" });
  });
});
