import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../operations/schema";
import { assessCustom } from "./custom";
import { assessRisk, isRiskEngineLoaded, loadRiskEngine } from "./index";

beforeAll(async () => {
  await loadRiskEngine();
});

const target = { environment: "production", resource: "postgres/main" };

describe("assessRisk", () => {
  it("is ready after loadRiskEngine, which can be awaited again", async () => {
    await loadRiskEngine();
    expect(isRiskEngineLoaded()).toBe(true);
  });

  it.each([
    [{ kind: "sql", target, sql: "DROP TABLE customers;" }, "critical", ["sql.drop_table"]],
    [{ kind: "sql", target, sql: "SELECT 1" }, "low", []],
    [{ kind: "http", target, method: "DELETE", url: "https://api.supabase.com/v1/projects/abc" }, "critical", ["http.delete_project"]],
    [{ kind: "http", target, method: "GET", url: "https://api.supabase.com/v1/projects" }, "low", []],
    [{ kind: "shell", target, command: "dropdb prod" }, "critical", ["shell.dropdb"]],
    [{ kind: "shell", target, command: "ls", cwd: "/srv" }, "low", []],
    [{ kind: "custom", target, action: "rotate_keys", params: { all: true } }, "high", ["custom.unclassified"]],
  ])("classifies %j", (input, level, ids) => {
    const assessment = assessRisk(Operation.parse(input));
    expect(assessment.level).toBe(level);
    expect(assessment.findings.map((f) => f.id)).toEqual(ids);
  });

  it("names the custom action", () => {
    expect(assessCustom("rotate_keys").findings[0]?.message).toBe("Runs the custom action `rotate_keys`, which Countersign cannot classify");
  });

  it("lets a custom catalog entry say otherwise", () => {
    const catalog = [{ action: "read_metrics", id: "custom.read", level: "low" as const, message: "Reads metrics" }];
    expect(assessCustom("read_metrics", catalog)).toEqual({ level: "low", findings: [], targets: [] });
    expect(assessCustom("other", catalog).level).toBe("high");
  });
});
