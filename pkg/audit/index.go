package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The key index tells which data files of a topic hold a message key, so a
// query about one employee opens a handful of files instead of every
// footer of a year of archive. It lives in the cache, never in the archive:
//
//	<cache>/index/<topic>.parquet  rows (key, file) sorted by key, small row
//	                               groups: DuckDB's min/max statistics skip
//	                               all but the row group of the key
//	<cache>/index/<topic>.json     the size and modification time of every
//	                               file indexed
//
// Each query lists the topic and re-indexes only the files that appeared
// or changed (a loader that grows a file by replacing it changes both) and
// drops the files that vanished, so the index is never stale and costs, on
// each run, what the archive gained since the last one.

type indexEntry struct {
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
}

func (a *Archive) indexPaths(topic string) (data, manifest string) {
	dir := filepath.Join(a.cache, "index")
	return filepath.Join(dir, topic+".parquet"), filepath.Join(dir, topic+".json")
}

// refreshIndex brings topic's key index up to date with files.
func (a *Archive) refreshIndex(ctx context.Context, topic string, files []File) error {
	data, manifest := a.indexPaths(topic)
	old := map[string]indexEntry{}
	if b, err := os.ReadFile(manifest); err == nil {
		if err := json.Unmarshal(b, &old); err != nil {
			old = map[string]indexEntry{} // unreadable: rebuild
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read key index manifest: %w", err)
	}
	if _, err := os.Stat(data); err != nil {
		old = map[string]indexEntry{}
	}
	cur := make(map[string]indexEntry, len(files))
	var stale []File
	for _, f := range files {
		e := indexEntry{Size: f.Size, ModTime: f.ModTime.UTC()}
		cur[f.Key] = e
		if o, ok := old[f.Key]; !ok || o.Size != e.Size || !o.ModTime.Equal(e.ModTime) {
			stale = append(stale, f)
		}
	}
	var drop []string
	for k := range old {
		if e, ok := cur[k]; !ok || e != old[k] {
			drop = append(drop, k)
		}
	}
	if len(stale) == 0 && len(drop) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(data), 0o755); err != nil {
		return err
	}
	var parts []string
	if len(old) > 0 {
		keep := fmt.Sprintf("SELECT key, file FROM read_parquet(%s)", sqlString(data))
		if len(drop) > 0 {
			keep += fmt.Sprintf(" WHERE NOT list_contains(%s, file)", sqlList(drop))
		}
		parts = append(parts, keep)
	}
	if len(stale) > 0 {
		paths, err := a.fetch(ctx, stale)
		if err != nil {
			return err
		}
		rootLen := len(strings.TrimSuffix(filepath.ToSlash(a.root), "/")) + 2
		parts = append(parts, fmt.Sprintf(
			"SELECT DISTINCT _key AS key, substr(replace(filename, '\\', '/'), %d) AS file FROM read_parquet(%s, filename=true)",
			rootLen, sqlList(paths)))
	}
	tmp := data + ".tmp"
	q := fmt.Sprintf("COPY (%s ORDER BY key, file) TO %s (FORMAT parquet, ROW_GROUP_SIZE 8192, COMPRESSION zstd)",
		strings.Join(parts, " UNION ALL "), sqlString(tmp))
	if _, err := a.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("build key index of %s: %w", topic, err)
	}
	if err := os.Rename(tmp, data); err != nil {
		return err
	}
	b, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	if err := os.WriteFile(manifest+".tmp", b, 0o644); err != nil {
		return err
	}
	a.log.Debug("key index refreshed", "topic", topic, "indexed", len(stale), "dropped", len(drop))
	return os.Rename(manifest+".tmp", manifest)
}

// filesForKeys returns the files among candidates (files of topic) that
// hold any of keys (exact keys, or prefixes ending in "/" for a whole
// company). The index is refreshed against the whole listing, never against
// a pruned subset (which would drop the other files from it).
func (a *Archive) filesForKeys(ctx context.Context, topic string, files []File, keys []string) ([]File, error) {
	if len(files) == 0 {
		return nil, nil
	}
	all, err := a.Files(ctx, topic)
	if err != nil {
		return nil, err
	}
	if err := a.refreshIndex(ctx, topic, all); err != nil {
		return nil, err
	}
	data, _ := a.indexPaths(topic)
	var conds []string
	var args []any
	for _, k := range keys {
		if strings.HasSuffix(k, "/") {
			conds = append(conds, "starts_with(key, ?)")
		} else {
			conds = append(conds, "key = ?")
		}
		args = append(args, k)
	}
	rows, err := a.db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT file FROM read_parquet(%s) WHERE %s",
		sqlString(data), strings.Join(conds, " OR ")), args...)
	if err != nil {
		return nil, fmt.Errorf("key index of %s: %w", topic, err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		want[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []File
	for _, f := range files {
		if want[f.Key] {
			out = append(out, f)
		}
	}
	return out, nil
}
