package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
)

// diffFindsAChange checks that diff reports a row changed in a copy of the
// archive at root, on both sides, and lists it.
func diffFindsAChange(t *testing.T, root string) {
	dir := filepath.Join(t.TempDir(), "archive")
	if err := os.CopyFS(dir, os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	m, err := filepath.Glob(filepath.Join(dir, "ukgpro.employees", "dt=*", "*.parquet"))
	if err != nil || len(m) == 0 {
		t.Fatal("no employees file")
	}
	rewrite(t, m[0], "SELECT * REPLACE (CASE WHEN _kafka_offset = (SELECT min(_kafka_offset) FROM read_parquet('%[1]s')) THEN 'X' ELSE employee_status_code END AS employee_status_code) FROM read_parquet('%[1]s')")
	rep, err := audit.Diff(context.Background(), openArchive(t, root, "ukgpro."), openArchive(t, dir, "ukgpro."))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Equal || len(rep.Samples.Rows) != 2 {
		t.Fatalf("diff of a changed row: equal %v, samples %v", rep.Equal, rep.Samples.Rows)
	}
	for _, r := range rep.Topics.Rows {
		if r[0] == "employees" && (r[3] != int64(1) || r[4] != int64(1)) {
			t.Errorf("employees: only in A %v, only in B %v; want 1 and 1", r[3], r[4])
		}
	}
}
