import { beforeAll, describe, expect, it } from "vitest";
import { loadRiskEngine } from "./engine";
import type { RiskAssessment, RiskLevel } from "./levels";
import { assessShell } from "./shell";

beforeAll(async () => {
  await loadRiskEngine();
});

const ids = (a: RiskAssessment) => [...new Set(a.findings.map((f) => f.id))].sort();

type Row = [command: string, level: RiskLevel, findingIds: string[]];

function table(rows: Row[]) {
  it.each(rows)("%s → %s", (command, level, findingIds) => {
    const assessment = assessShell(command);
    expect(ids(assessment)).toEqual([...findingIds].sort());
    expect(assessment.level).toBe(level);
  });
}

describe("known read-only commands are low", () => {
  table([
    ["ls -la", "low", []],
    ["cat README.md | grep -i drop | wc -l", "low", []],
    ["echo hi", "low", []],
    ["echo 'rm -rf /'", "low", []],
    ["pwd && cd /srv/app && ls", "low", []],
    ["# rm -rf /", "low", []],
    ['grep -r "DROP TABLE" migrations/', "low", []],
    ["head -n 5 a.log; tail -n 20 b.log", "low", []],
    ["git status", "low", []],
    ["git log --oneline -5", "low", []],
    ["git diff HEAD~1 -- src", "low", []],
    ["git -C repo status", "low", []],
    ["terraform plan -out plan.bin", "low", []],
    ["terraform -chdir=infra plan", "low", []],
    ["terraform plan -destroy", "low", []],
    ["kubectl get pods -n prod", "low", []],
    ["kubectl -n prod describe pod web-1", "low", []],
    ["kubectl logs -f deploy/web", "low", []],
    ['psql -c "SELECT 1"', "low", []],
    ['psql "$DATABASE_URL" -tAc "select count(*) from orders"', "low", []],
    ["psql -c '\\dt'", "low", []],
    ["psql -l", "low", []],
    ["psql <<'SQL'\nSELECT 1;\nSQL", "low", []],
    ["aws rds describe-db-instances --region us-east-1", "low", []],
    ["aws s3 ls s3://bucket", "low", []],
    ["gcloud sql instances list --project acme", "low", []],
    ["heroku pg:backups --app prod", "low", []],
    ["redis-cli -h cache GET session:1", "low", []],
    ["redis-cli --scan --pattern 'user:*'", "low", []],
    ["x=1; echo $x", "low", []],
    ["sudo ls /root", "low", []],
    ["env FOO=1 BAR=2 ls", "low", []],
    ["ls 2>/dev/null >/dev/null 2>&1", "low", []],
    ["curl -s https://api.example.com/health", "low", []],
    ["find . -name '*.ts' -newer package.json", "low", []],
    ["true && false || echo done", "low", []],
    ["if [ -f x ]; then echo yes; else echo no; fi", "low", []],
    ["for f in a b; do echo $f; done", "low", []],
    ["command -v psql", "low", []],
    ["pg_dump prod > /tmp/prod.sql", "low", []],
    ["kubectl exec db-0 -- psql -c 'SELECT 1'", "low", []],
  ]);
});

describe("destructive commands", () => {
  table([
    ["cd x && rm -rf /", "critical", ["shell.rm_recursive"]],
    ["rm -rf ./build", "high", ["shell.rm_recursive"]],
    ["rm -r -f /var/lib/postgresql/data", "critical", ["shell.rm_recursive"]],
    ['rm -rf "$DIR/"', "critical", ["shell.rm_recursive"]],
    ["rm -rf ~", "critical", ["shell.rm_recursive"]],
    ["rm --recursive --force /etc", "critical", ["shell.rm_recursive"]],
    ["rm -rf --no-preserve-root /srv/x", "critical", ["shell.rm_recursive"]],
    ["/bin/rm -rf ./cache", "high", ["shell.rm_recursive"]],
    ["\\rm -rf ./cache", "high", ["shell.rm_recursive"]],
    ["rm notes.txt", "high", ["shell.file_delete"]],
    ["rm -- -rf", "high", ["shell.file_delete"]],
    ["echo hi | xargs rm -rf", "high", ["shell.rm_recursive"]],
    ["find . -name '*.log' -exec rm -rf {} \\;", "high", ["shell.rm_recursive"]],
    ["find /tmp/cache -delete", "high", ["shell.rm_recursive"]],
    ["dropdb prod", "critical", ["shell.dropdb"]],
    ["dropdb -h db.internal -U admin --if-exists prod", "critical", ["shell.dropdb"]],
    ["terraform destroy -auto-approve", "critical", ["shell.terraform_destroy"]],
    ["terraform apply -destroy -auto-approve", "critical", ["shell.terraform_destroy"]],
    ["terraform -chdir=infra destroy", "critical", ["shell.terraform_destroy"]],
    ["tofu destroy", "critical", ["shell.terraform_destroy"]],
    ["terragrunt run-all destroy", "critical", ["shell.terraform_destroy"]],
    ["terraform apply -auto-approve", "high", ["shell.terraform_apply"]],
    ["kubectl delete pod web-1", "high", ["shell.kubectl_delete"]],
    ["kubectl delete namespace prod", "critical", ["shell.kubectl_delete"]],
    ["kubectl -n prod delete pvc data-db-0", "critical", ["shell.kubectl_delete"]],
    ["kubectl delete statefulset/postgres", "critical", ["shell.kubectl_delete"]],
    ["kubectl delete pods --all -n prod", "critical", ["shell.kubectl_delete"]],
    ["kubectl delete -f manifests/", "high", ["shell.kubectl_delete"]],
    ["kubectl delete volumesnapshot nightly", "critical", ["backup.delete_snapshot", "shell.kubectl_delete"]],
    ["redis-cli FLUSHALL", "critical", ["shell.redis_flush"]],
    ["redis-cli -h cache -n 2 flushdb", "critical", ["shell.redis_flush"]],
    ["echo FLUSHALL | redis-cli", "critical", ["shell.redis_flush"]],
    ["redis-cli DEL session:1", "high", ["shell.unclassified"]],
    ["mkfs.ext4 /dev/sdb1", "critical", ["shell.disk_wipe"]],
    ["dd if=/dev/zero of=/dev/sda bs=1M", "critical", ["shell.disk_wipe"]],
  ]);
});

describe("psql runs SQL through the SQL classifier", () => {
  table([
    ['psql -c "DROP TABLE users"', "critical", ["sql.drop_table"]],
    ["psql prod -c 'TRUNCATE orders'", "critical", ["sql.truncate"]],
    ["psql --command='DELETE FROM t'", "critical", ["sql.delete_without_where"]],
    ["psql -X -v ON_ERROR_STOP=1 -c 'SELECT 1' -c 'UPDATE t SET a = 1'", "critical", ["sql.update_without_where"]],
    ['echo "DELETE FROM t" | psql', "critical", ["sql.delete_without_where"]],
    ["printf '%s\\n' 'DROP TABLE x' | psql", "critical", ["sql.drop_table"]],
    ["psql <<EOF\nDROP TABLE x;\nEOF", "critical", ["sql.drop_table"]],
    ["cat <<EOF | psql \"$URL\"\nTRUNCATE t;\nEOF", "critical", ["sql.truncate"]],
    ["psql <<< 'DROP SCHEMA app CASCADE'", "critical", ["sql.drop_schema"]],
    ["psql -c 'selec 1'", "high", ["sql.parse_error"]],
    ["psql -f migrate.sql", "high", ["shell.unclassified"]],
    ["psql < dump.sql", "high", ["shell.unclassified"]],
    ["curl -s https://x/dump.sql | psql", "high", ["shell.unclassified"]],
    ["psql", "high", ["shell.unclassified"]],
    ["psql -c '\\! rm -rf /'", "critical", ["shell.rm_recursive"]],
    ["psql -c '\\gexec'", "high", ["shell.unclassified"]],
  ]);

  it("keeps SQL targets", () => {
    expect(assessShell("psql -c 'DROP TABLE billing.invoices'").targets).toEqual(["billing.invoices"]);
  });
});

describe("wrappers and nesting do not hide a command", () => {
  table([
    ['sh -c "dropdb prod"', "critical", ["shell.dropdb"]],
    ["bash -lc 'rm -rf /'", "critical", ["shell.rm_recursive"]],
    ["bash -e -c 'ls && dropdb prod'", "critical", ["shell.dropdb"]],
    ["sudo -u postgres dropdb prod", "critical", ["shell.dropdb"]],
    ["sudo -E env PGPASSWORD=x psql -c 'DROP TABLE t'", "critical", ["sql.drop_table"]],
    ["env -S 'dropdb prod'", "critical", ["shell.dropdb"]],
    ["nohup rm -rf /data &", "critical", ["shell.rm_recursive"]],
    ["timeout 30s dropdb prod", "critical", ["shell.dropdb"]],
    ["nice -n 10 ionice -c 3 rm -rf ./x", "high", ["shell.rm_recursive"]],
    ["time terraform destroy", "critical", ["shell.terraform_destroy"]],
    ["eval 'dropdb prod'", "critical", ["shell.dropdb"]],
    ["ssh db1 'dropdb prod'", "critical", ["shell.dropdb"]],
    ["ssh -i key.pem -p 2222 admin@db1 sudo rm -rf /var/lib/postgresql", "critical", ["shell.rm_recursive"]],
    ["su postgres -c 'dropdb prod'", "critical", ["shell.dropdb"]],
    ["docker exec -it pg psql -U app -c 'DROP TABLE t'", "critical", ["sql.drop_table"]],
    ["docker compose exec db dropdb prod", "critical", ["shell.dropdb"]],
    ["kubectl exec -it db-0 -n prod -- psql -c 'DROP TABLE t'", "critical", ["sql.drop_table"]],
    ["railway run psql -c 'TRUNCATE t'", "critical", ["sql.truncate"]],
    ["heroku run -a prod -- rm -rf /app", "critical", ["shell.rm_recursive"]],
    ["echo $(rm -rf /)", "critical", ["shell.rm_recursive"]],
    ["echo `dropdb prod`", "critical", ["shell.dropdb"]],
    ['echo "$(echo $(dropdb prod))"', "critical", ["shell.dropdb"]],
    ["diff <(ls a) <(dropdb prod)", "critical", ["shell.dropdb"]],
    ["cat <<EOF\n$(dropdb prod)\nEOF", "critical", ["shell.dropdb"]],
    ["if true; then rm -rf /; fi", "critical", ["shell.rm_recursive"]],
    ["for db in a b; do dropdb $db; done", "critical", ["shell.dropdb"]],
    ["watch -n 5 'dropdb prod'", "critical", ["shell.dropdb"]],
    ["cleanup() { rm -rf ./tmp; }; cleanup", "high", ["shell.rm_recursive"]],
    ["dropdb() { :; }; command dropdb prod", "critical", ["shell.dropdb"]],
    ["dropdb() { :; }; sudo dropdb prod", "critical", ["shell.dropdb"]],
    ["bash <<'EOF'\ndropdb prod\nEOF", "critical", ["shell.dropdb"]],
  ]);
});

describe("cloud CLIs", () => {
  table([
    ["aws rds delete-db-instance --db-instance-identifier prod", "critical", ["backup.delete_backup", "shell.cloud_delete"]],
    ["aws rds delete-db-instance --db-instance-identifier prod --skip-final-snapshot --no-delete-automated-backups", "critical", ["shell.cloud_delete"]],
    ["aws --region us-east-1 rds delete-db-cluster --db-cluster-identifier main", "critical", ["backup.delete_backup", "shell.cloud_delete"]],
    ["aws rds --profile prod delete-db-snapshot --db-snapshot-identifier nightly", "critical", ["backup.delete_snapshot"]],
    ["aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier s", "critical", ["backup.delete_snapshot"]],
    ["aws rds modify-db-instance --db-instance-identifier prod --backup-retention-period 0", "critical", ["backup.disable_backups"]],
    ["aws rds modify-db-instance --db-instance-identifier prod --backup-retention-period 7", "high", ["shell.unclassified"]],
    ["aws ec2 delete-snapshot --snapshot-id snap-1", "critical", ["backup.delete_snapshot"]],
    ["aws ec2 delete-volume --volume-id vol-1", "critical", ["shell.cloud_delete"]],
    ["aws backup delete-recovery-point --backup-vault-name main --recovery-point-arn arn:x", "critical", ["backup.delete_backup"]],
    ["aws s3 rm s3://bucket/prefix --recursive", "critical", ["shell.cloud_delete"]],
    ["aws s3 rb s3://bucket --force", "critical", ["shell.cloud_delete"]],
    ["gcloud sql instances delete prod-db --quiet", "critical", ["shell.cloud_delete"]],
    ["gcloud beta sql instances delete prod-db", "critical", ["shell.cloud_delete"]],
    ["gcloud sql backups delete 1712 --instance prod-db", "critical", ["backup.delete_backup"]],
    ["gcloud sql instances patch prod-db --no-backup", "critical", ["backup.disable_backups"]],
    ["gcloud compute snapshots delete nightly", "critical", ["backup.delete_snapshot"]],
    ["heroku apps:destroy --app prod --confirm prod", "critical", ["shell.cloud_delete"]],
    ["heroku addons:destroy heroku-postgresql -a prod", "critical", ["shell.cloud_delete"]],
    ["heroku pg:backups:delete b001 -a prod", "critical", ["backup.delete_backup"]],
    ["heroku pg:backups:unschedule DATABASE_URL -a prod", "critical", ["backup.disable_backups"]],
    ["railway down -y", "critical", ["shell.cloud_delete"]],
    ["railway volume delete --volume data", "critical", ["shell.cloud_delete"]],
    ["supabase projects delete abcdef", "critical", ["shell.cloud_delete"]],
    ["supabase db reset --linked", "critical", ["shell.database_reset"]],
    ["supabase db reset", "high", ["shell.database_reset"]],
    ["supabase db reset --db-url postgres://prod/app", "critical", ["shell.database_reset"]],
    ["heroku pg:reset DATABASE_URL -a prod --confirm prod", "critical", ["shell.database_reset"]],
    ["gh repo delete acme/api --yes", "critical", ["shell.repo_delete"]],
    ["gh -R acme/api release delete v1.0 -y", "high", ["shell.repo_delete"]],
    ["gh repo view acme/api", "low", []],
    ["gh pr list -R acme/api", "low", []],
    ["fly postgres destroy prod-db", "critical", ["shell.cloud_delete"]],
    ["flyctl pg destroy prod-db -y", "critical", ["shell.cloud_delete"]],
    ["flyctl apps destroy prod-app -y", "critical", ["shell.cloud_delete"]],
    ["neonctl branches delete br-main --project-id p", "critical", ["shell.cloud_delete"]],
    ["vercel remove my-site --yes", "critical", ["shell.cloud_delete"]],
    ["vercel env rm API_KEY production", "high", ["shell.unclassified"]],
    ["fly apps destroy prod-app", "critical", ["shell.cloud_delete"]],
    ["doctl compute snapshot delete 123", "critical", ["backup.delete_snapshot"]],
    ["az group delete --name prod-rg --yes", "critical", ["shell.cloud_delete"]],
    ["pg_dump prod > /tmp/x.sql && aws rds delete-db-snapshot --db-snapshot-identifier s && dropdb prod", "critical", ["backup.delete_snapshot", "shell.dropdb"]],
  ]);
});

describe("git pushes", () => {
  table([
    ["git push --force origin main", "high", ["shell.git_force_push"]],
    ["git push -f origin HEAD:production", "high", ["shell.git_force_push"]],
    ["git push origin +master", "high", ["shell.git_force_push"]],
    ["git push --force-with-lease origin release/1.2", "high", ["shell.git_force_push"]],
    ["git push -fu origin main", "high", ["shell.git_force_push"]],
    ["git push --force", "high", ["shell.git_force_push"]],
    ["git push origin :main", "high", ["shell.git_force_push"]],
    ["git push --mirror backup", "high", ["shell.git_force_push"]],
    ["git push --force origin feature/login", "medium", ["shell.git_force_push"]],
    ["git push origin main", "medium", ["shell.git_push"]],
    ["git commit -m 'x'", "medium", ["shell.git_write"]],
    ["git reset --hard HEAD~3", "high", ["shell.git_destructive"]],
    ["git clean -fdx", "high", ["shell.git_destructive"]],
  ]);
});

describe("HTTP through curl uses the HTTP catalog", () => {
  table([
    ["curl -X DELETE https://api.heroku.com/apps/prod", "critical", ["http.delete_service"]],
    ["curl -sS -XDELETE 'https://api.github.com/repos/acme/app' -H 'Authorization: token x'", "critical", ["http.delete_project"]],
    [
      'curl https://backboard.railway.com/graphql/v2 -H "Content-Type: application/json" -d \'{"query":"mutation { volumeDelete(volumeId: \\"v\\") }"}\'',
      "critical",
      ["http.delete_volume"],
    ],
    ["curl -d 'a=1' https://api.example.com/things", "high", ["http.unclassified_write"]],
    ["wget --method=DELETE https://api.vercel.com/v9/projects/site", "critical", ["http.delete_project"]],
    ["curl -fsSL https://get.example.sh | sh", "high", ["shell.unclassified"]],
  ]);
});

describe("everything else is high", () => {
  table([
    ["make deploy", "high", ["shell.unclassified"]],
    ["./scripts/migrate.sh", "high", ["shell.unclassified"]],
    ["$CMD --force", "high", ["shell.unclassified"]],
    ["python -c 'import os; os.remove(\"x\")'", "high", ["shell.unclassified"]],
    ["bash deploy.sh", "high", ["shell.unclassified"]],
    ["echo 'unterminated", "high", ["shell.parse_error"]],
    ["echo hi > /etc/hosts", "high", ["shell.file_write"]],
    ["echo hi > notes.txt", "medium", ["shell.file_write"]],
    ["sed -i 's/a/b/' config.yml", "medium", ["shell.file_write"]],
  ]);

  it("names the unrecognised program, not its arguments", () => {
    const [finding] = assessShell("deploy-tool --token s3cr3t prod").findings;
    expect(finding?.message).toBe("Runs `deploy-tool`, which Countersign does not recognise");
  });
});

describe("messages", () => {
  it.each([
    ["dropdb prod", "Drops database `prod` with dropdb"],
    ["rm -rf /var/data", "Deletes `/var/data` and everything below (rm -r)"],
    ["kubectl delete ns prod", "Deletes Kubernetes namespace `prod` (kubectl delete)"],
    ["git push --force origin main", "Force-pushes to `main` on `origin`, overwriting its history"],
    ["redis-cli flushall", "Deletes every key in every Redis database (FLUSHALL)"],
    ["gcloud sql instances delete prod-db", "Deletes a Cloud SQL instance (`gcloud sql instances delete prod-db`)"],
  ])("%s", (command, message) => {
    expect(assessShell(command).findings.map((f) => f.message)).toContain(message);
  });
});

describe("adversarial command lines are classified, not crashed on", () => {
  it("looks past a hundred thousand leading assignments", () => {
    expect(assessShell(`${"A=1 ".repeat(100_000)}rm -rf /`).level).toBe("critical");
  });

  it("stops following wrappers around wrappers, failing closed", () => {
    const risk = assessShell(`${"xargs ".repeat(50_000)}ls`);
    expect(ids(risk)).toEqual(["shell.unclassified"]);
    expect(risk.level).toBe("high");
    expect(assessShell(`${"sudo ".repeat(10)}rm -rf /`).level).toBe("critical");
  });
});

describe("sed scripts that run commands or write files", () => {
  table([
    ["sed -n '1e rm -rf /' f", "high", ["shell.unclassified"]],
    ["sed 's/x/y/e' f", "high", ["shell.unclassified"]],
    ["sed 's/x/y/ge' f", "high", ["shell.unclassified"]],
    ["sed --expression='1e touch /tmp/x' f", "high", ["shell.unclassified"]],
    ["sed -e 's/a/b/' -e '$e id' f", "high", ["shell.unclassified"]],
    ["sed -ne '/x/e date' f", "high", ["shell.unclassified"]],
    ["sed -n 'w /etc/passwd' f", "high", ["shell.file_write"]],
    ["sed -n '/root/W /etc/shadow' f", "high", ["shell.file_write"]],
    ["sed 's/a/b/w /etc/passwd' f", "high", ["shell.file_write"]],
    ["sed -n 'w out.txt' f", "medium", ["shell.file_write"]],
    ["sed -f s.sed f", "high", ["shell.unclassified"]],
    ["sed --file=s.sed f", "high", ["shell.unclassified"]],
    ["sed 'k' f", "high", ["shell.unclassified"]],
    ["sed 's/a/b' f", "high", ["shell.unclassified"]],
    ["sed -i 's/a/b/' f", "medium", ["shell.file_write"]],
  ]);
  table([
    ["sed -n '1,5p' f", "low", []],
    ["sed 's/foo/bar/g' f", "low", []],
    ["sed -E 's|/usr/(lib)|/opt/\\1|2; /^#/d' f", "low", []],
    ["sed -e :a -e '$!N;s/\\n//;ta' f", "low", []],
    ["sed '1!G;h;$!d' f", "low", []],
    ["sed '/start/,/end/{s/a/b/;p}' f", "low", []],
    ["sed 's/e/w/g; y/abc/xyz/' f", "low", []],
    ["sed '$a\\\nlast line' f", "low", []],
    ["sed -n '/error/Ip; 10q' app.log", "low", []],
    ["sed 'r header.txt' f", "low", []],
    ["sed 's/x/y/w /dev/stdout' f", "low", []],
  ]);
});

describe("git options that run programs or write files", () => {
  table([
    ["git -c core.fsmonitor='rm -rf /' status", "high", ["shell.unclassified"]],
    ["git -c diff.external=/tmp/x diff", "high", ["shell.unclassified"]],
    ["git -ccore.pager=sh log", "high", ["shell.unclassified"]],
    ["git --config-env=core.editor=EDITOR status", "high", ["shell.unclassified"]],
    ["git grep -O'rm -rf /' x", "high", ["shell.unclassified"]],
    ["git grep --open-files-in-pager=vim x", "high", ["shell.unclassified"]],
    ["git diff --ext-diff HEAD~1", "high", ["shell.unclassified"]],
    ["git diff --output=/etc/passwd", "high", ["shell.file_write"]],
    ["git log --output /etc/passwd", "high", ["shell.file_write"]],
    ["git log -p --output=changes.patch", "medium", ["shell.file_write"]],
    ["git -c user.name=x commit -m y", "high", ["shell.git_write", "shell.unclassified"]],
    ["GIT_CONFIG_PARAMETERS=\"'core.fsmonitor=rm -rf /'\" git status", "high", ["shell.unclassified"]],
    ["GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0='rm -rf /' git status", "high", ["shell.unclassified"]],
    ["env GIT_EXTERNAL_DIFF=./wipe.sh git diff", "high", ["shell.unclassified"]],
    ["GIT_PAGER='sh -c \"rm -rf /\"' git log", "high", ["shell.unclassified"]],
    ["export GIT_CONFIG_GLOBAL=/tmp/evil.gitconfig; git status", "high", ["shell.unclassified"]],
  ]);
  table([
    ["git -C repo log --oneline", "low", []],
    ["git diff -Oorder.txt HEAD~1", "low", []],
    ["git grep -n TODO -- src", "low", []],
    ["git grep -ne -O -- scripts", "low", []],
    ["git diff --output=/tmp/changes.diff", "low", []],
    ["git log --no-ext-diff -p", "low", []],
    ["GIT_PAGER=cat git log -5", "low", []],
    ["PAGER='less -R' GIT_DIR=.git git diff HEAD~1", "low", []],
  ]);
});

describe("read-only commands with options that run programs or write files", () => {
  table([
    ["sort --compress-program='rm -rf /' -S1 big", "high", ["shell.unclassified"]],
    ["sort --compress-program gzip big", "high", ["shell.unclassified"]],
    ["rg --pre 'rm -rf /' x .", "high", ["shell.unclassified"]],
    ["rg --pre=./decrypt x .", "high", ["shell.unclassified"]],
    ["sort -o /etc/passwd x", "high", ["shell.file_write"]],
    ["sort -uo/etc/passwd x", "high", ["shell.file_write"]],
    ["sort --output=sorted.txt x", "medium", ["shell.file_write"]],
    ["uniq a /etc/passwd", "high", ["shell.file_write"]],
    ["uniq -c -f 2 a b", "medium", ["shell.file_write"]],
    ["xxd -r x /etc/passwd", "high", ["shell.file_write"]],
    ["pg_dump db -f /etc/passwd", "high", ["shell.file_write"]],
    ["pg_dump --file=/etc/cron.d/x db", "high", ["shell.file_write"]],
    ["pg_dumpall -f dump.sql", "medium", ["shell.file_write"]],
    ["env_parallel rm -rf ::: /srv/a /srv/b", "high", ["shell.unclassified"]],
    ["ag --pager 'rm -rf /' TODO", "high", ["shell.unclassified"]],
    ["tree -o /etc/passwd src", "high", ["shell.file_write"]],
    ["yq -i '.replicas = 0' deploy.yaml", "medium", ["shell.file_write"]],
  ]);
  table([
    ["sort -k2 -t, -S 1G data.csv | uniq -c", "low", []],
    ["sort -o /tmp/sorted.txt x", "low", []],
    ["rg --pre-glob '*.gz' -n TODO src", "low", []],
    ["uniq -c a", "low", []],
    ["xxd -l 64 file.bin", "low", []],
    ["pg_dump -Fc -d prod -f /tmp/prod.dump", "low", []],
    ["pg_dump -U app -h db.internal prod", "low", []],
    ["ag -l TODO src", "low", []],
    ["tree -L 2 src", "low", []],
    ["yq '.spec.replicas' deploy.yaml", "low", []],
  ]);
});

describe("psql options that write files or run unseen commands", () => {
  table([
    ["psql -c 'SELECT 1' -o /etc/passwd", "high", ["shell.file_write"]],
    ["psql -c 'SELECT 1' --output=/etc/passwd", "high", ["shell.file_write"]],
    ["psql -L /etc/passwd -c 'SELECT 1'", "high", ["shell.file_write"]],
    ["PSQLRC=/tmp/evil psql -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["env PSQLRC=/tmp/evil psql -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["PGOPTIONS='-c session_replication_role=replica' psql -c 'DELETE FROM t WHERE id = 1'", "high", ["shell.unclassified", "sql.write"]],
    ["psql 'postgresql://db/app?options=-csession_replication_role%3Dreplica' -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["psql -d \"host=db dbname=app options='-c role=postgres'\" -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["export PSQLRC=/tmp/evil; psql -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["declare -x PSQLRC=/tmp/evil; psql -c 'SELECT 1'", "high", ["shell.unclassified"]],
    ["export PGOPTIONS='-c session_replication_role=replica' && psql -c 'SELECT 1'", "high", ["shell.unclassified"]],
  ]);
  table([
    ["psql -c 'SELECT 1' -o /tmp/out.txt", "low", []],
    ["PSQLRC=/tmp/evil psql -X -c 'SELECT 1'", "low", []],
    ["export PGHOST=db.internal PGDATABASE=app; psql -c 'SELECT 1'", "low", []],
    ["declare -r LIMIT=5; local -x PGHOST=db.internal; psql -c 'SELECT 1'", "low", []],
    ["PGCONNECT_TIMEOUT=5 psql 'postgresql://db/app?sslmode=require' -c 'SELECT 1'", "low", []],
  ]);
});

describe("infrastructure CLIs: reads are low, changes high", () => {
  table([
    ["kubectl get pods -A -o wide", "low", []],
    ["kubectl describe node node-1", "low", []],
    ["kubectl top pods -n prod", "low", []],
    ["kubectl explain deployment.spec", "low", []],
    ["kubectl api-resources", "low", []],
    ["kubectl version --client", "low", []],
    ["kubectl config view", "low", []],
    ["kubectl rollout status deploy/web -n prod", "low", []],
    ["kubectl rollout history deploy/web", "low", []],
    ["kubectl auth can-i delete pods", "low", []],
    ["kubectl get secrets -n prod", "low", []],
    ["kubectl describe secret db-credentials", "low", []],
    ["kubectl apply -f deploy.yaml --dry-run=server", "low", []],
    ["kubectl apply -f deploy.yaml", "high", ["shell.kubectl_change"]],
    ["kubectl -n prod scale statefulset/postgres --replicas=0", "high", ["shell.kubectl_change"]],
    ["kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data", "high", ["shell.kubectl_change"]],
    ["kubectl cordon node-1", "medium", ["shell.kubectl_change"]],
    ["kubectl patch deploy web -p '{\"spec\":{\"replicas\":0}}'", "high", ["shell.kubectl_change"]],
    ["kubectl replace --force -f web.yaml", "high", ["shell.kubectl_change"]],
    ["kubectl rollout restart deploy/web", "high", ["shell.kubectl_change"]],
    ["kubectl rollout undo deploy/web", "high", ["shell.kubectl_change"]],
    ["kubectl edit deploy web", "high", ["shell.kubectl_change"]],
    ["kubectl cp db-0:/var/lib/postgresql/data ./data", "high", ["shell.kubectl_change"]],
    ["kubectl label pods web-1 app=other --overwrite", "high", ["shell.kubectl_change"]],
    ["kubectl annotate deploy web note=x --overwrite", "high", ["shell.kubectl_change"]],
    ["kubectl auth reconcile -f rbac.yaml", "high", ["shell.unclassified"]],
    ["kubectl get secret db-credentials -o yaml", "high", ["shell.read_secret"]],
    ["kubectl get secret/db -ojsonpath='{.data.password}'", "high", ["shell.read_secret"]],
    ["kubectl get secrets,configmaps -o json", "high", ["shell.read_secret"]],
    ["kubectl config view --raw", "high", ["shell.read_secret"]],
    ["kubectl delete volumesnapshots --all -n db", "critical", ["backup.delete_snapshot", "shell.kubectl_delete"]],
    ["helm list -A", "low", []],
    ["helm status web -n prod", "low", []],
    ["helm get values web", "low", []],
    ["helm history web", "low", []],
    ["helm show values bitnami/postgresql", "low", []],
    ["helm template web ./chart", "low", []],
    ["helm search repo postgres", "low", []],
    ["helm version", "low", []],
    ["helm install web ./chart --dry-run", "low", []],
    ["helm upgrade web ./chart --dry-run=server", "low", []],
    ["helm uninstall web -n prod", "high", ["shell.helm_uninstall"]],
    ["helm delete web", "high", ["shell.helm_uninstall"]],
    ["helm rollback web 3", "high", ["shell.helm_release_change"]],
    ["helm upgrade --install web ./chart -f values.yaml", "high", ["shell.helm_release_change"]],
    ["helm install db bitnami/postgresql", "high", ["shell.helm_release_change"]],
    ["aws ec2 describe-instances --region eu-west-1", "low", []],
    ["aws iam list-users", "low", []],
    ["aws ssm get-parameter --name /app/db-host", "low", []],
    ["aws sts get-caller-identity", "low", []],
    ["aws secretsmanager get-secret-value --secret-id prod/db", "high", ["shell.read_secret"]],
    ["aws ssm get-parameter --name /app/db-password --with-decryption", "high", ["shell.read_secret"]],
    ["aws ssm get-parameters-by-path --path /app --with-decryption", "high", ["shell.read_secret"]],
    ["aws kms decrypt --ciphertext-blob fileb://x", "high", ["shell.read_secret"]],
    ["aws ec2 terminate-instances --instance-ids i-1", "critical", ["shell.cloud_delete"]],
    ["aws s3api put-object --bucket b --key k --body f", "high", ["shell.unclassified"]],
    ["gcloud compute instances list", "low", []],
    ["gcloud sql instances describe prod", "low", []],
    ["gcloud secrets list", "low", []],
    ["gcloud secrets versions access latest --secret=db-password", "high", ["shell.read_secret"]],
    ["gcloud projects delete acme-prod", "critical", ["shell.cloud_delete"]],
    ["az vm list -o table", "low", []],
    ["az sql db show -g rg -s srv -n app", "low", []],
    ["az keyvault secret list --vault-name v", "low", []],
    ["az keyvault secret show --vault-name v --name db-password", "high", ["shell.read_secret"]],
    ["az vm delete -g rg -n web", "high", ["shell.unclassified"]],
    ["docker ps -a", "low", []],
    ["docker images", "low", []],
    ["docker inspect web", "low", []],
    ["docker logs -f web", "low", []],
    ["docker volume ls", "low", []],
    ["docker volume inspect pgdata", "low", []],
    ["docker network ls", "low", []],
    ["docker system df", "low", []],
    ["docker container ls", "low", []],
    ["docker container exec web ls", "low", []],
    ["docker rm web", "high", ["shell.docker_delete"]],
    ["docker rm -fv web", "critical", ["shell.docker_delete"]],
    ["docker rmi app:old", "high", ["shell.docker_delete"]],
    ["docker image remove app:old", "high", ["shell.docker_delete"]],
    ["docker system prune -af", "high", ["shell.docker_delete"]],
    ["docker system prune -af --volumes", "critical", ["shell.docker_delete"]],
    ["docker volume rm pgdata", "critical", ["shell.docker_delete"]],
    ["docker volume prune -f", "critical", ["shell.docker_delete"]],
    ["docker kill web", "high", ["shell.docker_change"]],
    ["docker stop web", "high", ["shell.docker_change"]],
    ["docker run --rm -v /:/host alpine ls /host", "high", ["shell.docker_change"]],
    ["docker compose down", "high", ["shell.docker_delete"]],
    ["docker compose down -v", "critical", ["shell.docker_delete"]],
    ["docker compose up -d", "high", ["shell.docker_change"]],
    ["git branch --list", "low", []],
    ["git clean -nd", "low", []],
    ["git clean --dry-run -x", "low", []],
    ["git branch -D feature", "high", ["shell.git_destructive"]],
    ["git reset --hard origin/main", "high", ["shell.git_destructive"]],
    ["terraform fmt -check -recursive", "low", []],
    ["terraform output -json", "low", []],
    ["terraform state list", "low", []],
    ["terraform fmt", "medium", ["shell.file_write"]],
    ["terraform state rm aws_db_instance.main", "high", ["shell.terraform_state"]],
    ["terraform import aws_s3_bucket.b my-bucket", "high", ["shell.terraform_state"]],
    ["terraform taint aws_instance.web", "high", ["shell.terraform_state"]],
    ["terraform workspace delete staging", "high", ["shell.terraform_state"]],
    ["terraform force-unlock 1234", "high", ["shell.terraform_state"]],
    // Words looked up in the tables are never taken from Object.prototype.
    ["kubectl constructor", "high", ["shell.unclassified"]],
    ["docker compose constructor", "high", ["shell.unclassified"]],
    ["docker volume __proto__", "high", ["shell.unclassified"]],
    ["terraform state constructor", "high", ["shell.unclassified"]],
  ]);
});

describe("the providers' own snapshot and backup deletions are backup.*", () => {
  table([
    ["aws rds delete-db-snapshot --db-snapshot-identifier nightly", "critical", ["backup.delete_snapshot"]],
    ["aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier s", "critical", ["backup.delete_snapshot"]],
    ["aws ec2 delete-snapshot --snapshot-id snap-1", "critical", ["backup.delete_snapshot"]],
    ["aws backup delete-recovery-point --backup-vault-name v --recovery-point-arn arn:x", "critical", ["backup.delete_backup"]],
    ["aws backup delete-backup-vault --backup-vault-name v", "critical", ["backup.delete_backup"]],
    ["aws backup delete-backup-selection --backup-plan-id p --selection-id s", "critical", ["backup.disable_backups"]],
    ["aws rds modify-db-instance --db-instance-identifier prod --backup-retention-period=00", "critical", ["backup.disable_backups"]],
    ["aws dlm delete-lifecycle-policy --policy-id policy-1", "critical", ["backup.disable_backups"]],
    ["aws dynamodb update-continuous-backups --table-name t --point-in-time-recovery-specification PointInTimeRecoveryEnabled=false", "critical", ["backup.disable_backups"]],
    ["aws s3api put-bucket-versioning --bucket b --versioning-configuration Status=Suspended", "critical", ["backup.disable_backups"]],
    ["aws s3api put-bucket-versioning --bucket b --versioning-configuration Status=Enabled", "high", ["shell.unclassified"]],
    ["gcloud sql backups delete 1712 --instance=prod-db", "critical", ["backup.delete_backup"]],
    ["gcloud compute snapshots delete nightly --quiet", "critical", ["backup.delete_snapshot"]],
    ["gcloud compute resource-policies delete daily-snapshots --region=europe-west1", "critical", ["backup.disable_backups"]],
    ["gcloud spanner backups delete b1 --instance=i", "critical", ["backup.delete_backup"]],
    ["az snapshot delete -g rg -n nightly", "critical", ["backup.delete_snapshot"]],
    ["az backup protection disable --container-name c --item-name i --delete-backup-data true --yes", "critical", ["backup.delete_backup", "backup.disable_backups"]],
    ["az backup protection disable --container-name c --item-name i --yes", "critical", ["backup.disable_backups"]],
    ["az backup vault delete -g rg -n vault", "critical", ["backup.delete_backup"]],
    ["az sql db ltr-backup delete --location westeurope --server srv --database app --name b1", "critical", ["backup.delete_backup"]],
    ["az postgres flexible-server backup delete -g rg -n srv --backup-name b1", "critical", ["backup.delete_backup"]],
    ["az postgres flexible-server delete -g rg -n srv", "critical", ["shell.cloud_delete"]],
    ["kubectl delete volumesnapshot nightly -n db", "critical", ["backup.delete_snapshot", "shell.kubectl_delete"]],
    ["kubectl delete volumesnapshots.snapshot.storage.k8s.io --all", "critical", ["backup.delete_snapshot", "shell.kubectl_delete"]],
    ["velero backup delete nightly --confirm", "critical", ["backup.delete_backup"]],
    ["velero delete backup nightly", "critical", ["backup.delete_backup"]],
    ["velero schedule delete daily --confirm", "critical", ["backup.disable_backups"]],
    ["velero backup get", "low", []],
    ["velero backup describe nightly --details", "low", []],
    ["velero schedule get", "low", []],
  ]);
});
