package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// plantDefects copies the archive at root once per defect, plants it, and
// checks that verify reports it (and fails).
func plantDefects(t *testing.T, root string) {
	ctx := context.Background()
	topic := "ukgpro.job-history"
	files := func(dir string) []string {
		m, err := filepath.Glob(filepath.Join(dir, topic, "dt=*", topic+"+0+*.parquet"))
		if err != nil || len(m) == 0 {
			t.Fatalf("no file of %s partition 0", topic)
		}
		// by offset: the names sort by offset within a partition
		slices.SortFunc(m, func(x, y string) int { return strings.Compare(filepath.Base(x), filepath.Base(y)) })
		return m
	}
	cases := []struct {
		name, check string
		plant       func(t *testing.T, dir string)
	}{
		{"a gap", "gap", func(t *testing.T, dir string) {
			rewrite(t, files(dir)[0], "SELECT * FROM read_parquet('%s') WHERE _kafka_offset <> (SELECT min(_kafka_offset) + 2 FROM read_parquet('%[1]s'))")
		}},
		{"a duplicate", "duplicate", func(t *testing.T, dir string) {
			f := files(dir)[0]
			other := filepath.Join(dir, topic, "dt=2099-01-01")
			copyFile(t, f, filepath.Join(other, filepath.Base(f)))
		}},
		{"a misnamed file", "file name", func(t *testing.T, dir string) {
			f := files(dir)[0]
			if err := os.Rename(f, strings.Replace(f, "+0+0000", "+0+", 1)); err != nil {
				t.Fatal(err)
			}
		}},
		{"a wrong column type", "column type", func(t *testing.T, dir string) {
			rewrite(t, files(dir)[0], "SELECT * REPLACE (annual_salary::DOUBLE AS annual_salary) FROM read_parquet('%s')")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "archive")
			if err := os.CopyFS(dir, os.DirFS(root)); err != nil {
				t.Fatal(err)
			}
			c.plant(t, dir)
			rep, err := openArchive(t, dir, "ukgpro.").Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range rep.Defects {
				found = found || d.Check == c.check && d.Topic == topic
			}
			if rep.OK() || !found {
				t.Errorf("verify missed %s: defects %+v", c.name, rep.Defects)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces the Parquet file f with the result of query (%s: f).
func rewrite(t *testing.T, f, query string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tmp := f + ".rewritten"
	if _, err := db.Exec("COPY (" + fmt.Sprintf(query, f) + ") TO '" + tmp + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f); err != nil {
		t.Fatal(err)
	}
}
